"""The value every dependency source produces."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from gatekeeper.model import Location
from gatekeeper.model import Scope as Scope  # re-exported: the scope of a dependency

_SEPARATORS = re.compile(r"[-_.]+")

PROD: Scope = "prod"
DEV: Scope = "dev"
#: The ``source`` of a package pip's resolver pulled in (``audit.resolve``); no file names it.
RESOLVED = "resolved"

#: Reads a file relative to the repository root; None when it does not exist. Lets the same
#: parsers read the working tree or a git ref (PR mode) without a checkout.
Reader = Callable[[str], str | None]


@dataclass(frozen=True, slots=True)
class Dependency:
    """One declared or locked dependency.

    ``name`` is the PEP 503 normalized name; ``raw_name`` is how the file spells it.
    ``version`` is the exact version when ``pinned`` (``==X`` or a lockfile entry), else None, and
    ``specifier`` is the declared specifier (``">=2,<3"``, ``"==1.0"`` or ``""``).
    ``source`` is the kind of file: requirements, pyproject, pylock, uv.lock, poetry.lock, env.
    """

    name: str
    version: str | None
    specifier: str
    pinned: bool
    scope: Scope
    location: Location
    source: str
    hashes: tuple[str, ...] = ()
    raw_name: str = ""
    extras: tuple[str, ...] = ()
    marker: str | None = None
    url: str | None = None

    @staticmethod
    def normalize(name: str) -> str:
        """PEP 503 normalization (what ``packaging.utils.canonicalize_name`` does, without
        importing ``packaging.tags`` on the hot path)."""
        return _SEPARATORS.sub("-", name).lower()


@dataclass(frozen=True, slots=True)
class Skipped:
    """Something a dependency file names that is deliberately not audited, and why (the
    project's own code, an unreadable installed distribution): reported, never silent."""

    name: str
    reason: str
    location: Location


@dataclass
class ParseContext:
    """What a parser may need besides the file, and what it reports besides dependencies.

    ``environment`` holds the target's PEP 508 marker values where they differ from this
    interpreter's; lockfile parsers evaluate the markers of their dependency graph with it and
    count in ``not_for_target`` the packages the target does not install. ``skipped`` collects
    what the files name but the audit deliberately skips.
    """

    environment: Mapping[str, str] = field(default_factory=dict)
    skipped: list[Skipped] = field(default_factory=list)
    not_for_target: int = 0
