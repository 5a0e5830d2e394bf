"""``[audit]``: the dependency audit gate."""

from __future__ import annotations

from pydantic import Field, field_validator

from gatekeeper.model import Severity
from gatekeeper.policy.schema.common import GateSection

#: The PEP 508 environment marker variables a target environment may set.
MARKER_NAMES = frozenset(
    {
        "implementation_name",
        "implementation_version",
        "os_name",
        "platform_machine",
        "platform_python_implementation",
        "platform_release",
        "platform_system",
        "platform_version",
        "python_full_version",
        "python_version",
        "sys_platform",
    }
)


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
    #: PEP 508 marker variables of the target environment where they differ from the
    #: interpreter running gatekeeper (e.g. ``{sys_platform = "linux"}``). A dependency whose
    #: marker is false there is not installed, so it is not audited.
    environment: dict[str, str] = Field(default_factory=dict)
    #: Resolve unpinned requirements with pip's resolver (a dry run, wheels only, against
    #: ``index_url`` or pip's configured index) and audit what they would install today,
    #: dependencies included. They stay unpinned findings; this needs the index.
    resolve: bool = False

    @field_validator("environment")
    @classmethod
    def _known_markers(cls, value: dict[str, str]) -> dict[str, str]:
        unknown = sorted(set(value) - MARKER_NAMES)
        if unknown:
            raise ValueError(
                f"unknown marker variable {', '.join(unknown)}: use "
                f"{', '.join(sorted(MARKER_NAMES))}"
            )
        return value

    @field_validator("unknown_severity", mode="before")
    @classmethod
    def _parse_unknown(cls, value: object) -> object:
        return Severity.parse(value) if isinstance(value, str) else value
