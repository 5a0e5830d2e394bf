"""The gate interface. One module per gate under :mod:`gatekeeper.gates`.

A gate *finds*; it never judges. It returns a :class:`~gatekeeper.model.GateResult` whose findings
the runner then judges against the policy (thresholds, waivers, PR-mode baseline).

Raising is allowed: a :class:`~gatekeeper.errors.GatekeeperError` becomes an errored gate with the
matching kind (input → exit 2, backend → exit 3); anything else becomes an internal error. An
errored gate fails the run.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

if TYPE_CHECKING:
    from gatekeeper.baseline import Counts
    from gatekeeper.git import GitRepo
    from gatekeeper.model import GateResult, Rule
    from gatekeeper.policy.model import Policy


@dataclass(frozen=True)
class GateContext:
    """Everything a gate may look at. ``base_ref`` is set in PR mode (``--base REF``)."""

    root: Path
    policy: Policy
    git: GitRepo
    base_ref: str | None = None


class Gate(ABC):
    """A gate. Subclasses set ``name`` (as used by ``--gate`` and the policy section) and list
    every rule their findings use in ``rules`` (see :func:`gatekeeper.rules.all_rules`)."""

    name: ClassVar[str]
    description: ClassVar[str]
    rules: ClassVar[tuple[Rule, ...]] = ()
    #: Rule IDs whose findings no counted baseline hides (the runner skips them, and
    #: ``--write-baseline`` never writes them): problems that must always fail.
    never_baselined: ClassVar[frozenset[str]] = frozenset()

    @abstractmethod
    def run(self, ctx: GateContext) -> GateResult:
        """Find problems in ``ctx.root``."""

    def baseline(self, ctx: GateContext) -> Counts | None:
        """How many findings of each fingerprint the gate finds at ``ctx.base_ref`` (PR mode;
        :func:`gatekeeper.baseline.counts` of them). N there mark at most N of today's findings
        pre-existing (the earliest), so a duplicate of an old problem is new.

        ``None`` means the gate has no baseline: every finding counts as new. Gates that can read
        the base state cheaply (lockfiles via ``git show``) override this.
        """
        return None

    def cache_inputs(self, ctx: GateContext) -> bytes | None:
        """Everything this gate's result depends on beyond the policy, the day, the base commit
        and gatekeeper itself (which the cache adds), for pre-push mode's verdict cache.

        ``None`` (the default) means never cached. A gate returns bytes only when they cover
        every input: an unchanged value must mean an unchanged result.
        """
        return None
