"""``[audit]``: the dependency audit gate."""

from __future__ import annotations

from pydantic import Field, field_validator

from gatekeeper.model import Severity
from gatekeeper.policy.schema.common import GateSection


class AuditPolicy(GateSection):
    fail_on: Severity = Severity.HIGH
    #: Severity assumed when an advisory carries none: fail closed.
    unknown_severity: Severity = Severity.HIGH
    #: Whether findings in dev dependencies fail the gate (they are always reported).
    fail_on_dev: bool = False
    #: Warn when the advisory database is older than this many days.
    max_age_days: int = Field(default=2, ge=0)
    #: Fail when it is older than this many days.
    hard_max_age_days: int = Field(default=14, ge=0)
    #: Local advisory database directory (default: the user cache directory).
    db: str | None = None
    #: Online mode: query this OSV API (e.g. https://api.osv.dev/v1/query) instead of ``db``.
    osv_url: str | None = None
    #: Requirements and lock files to audit; empty means discover them.
    files: list[str] = Field(default_factory=list)
    #: An installed environment (a virtualenv's root) to audit instead of discovered files.
    env: str | None = None
    #: An application must pin every requirement (an unpinned one is a high finding); a
    #: library's ranges are reported as info.
    application: bool = True
    #: A simple-API index (PEP 691/503) every public dependency must exist on; unset: unchecked.
    index_url: str | None = None

    @field_validator("unknown_severity", mode="before")
    @classmethod
    def _parse_unknown(cls, value: object) -> object:
        return Severity.parse(value) if isinstance(value, str) else value
