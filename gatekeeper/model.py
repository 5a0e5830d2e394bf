"""The values that flow from gates through the runner to reporters. All frozen.

A gate returns a :class:`GateResult` (what it found). The runner judges each finding against the
policy once and builds a :class:`Report` of :class:`GateReport` and :class:`JudgedFinding`.
Reporters only render a :class:`Report`; they never filter, count or decide.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum
from types import MappingProxyType
from typing import Any, Literal

SCHEMA_VERSION = "1.0"

JSONScalar = str | int | float | bool | None
# ``data`` payloads hold JSON-compatible values: scalars, lists/tuples of them, or nested mappings.
JSONValue = Any
#: Where a dependency is used: dev-only findings block only when the policy says ``fail_on_dev``.
Scope = Literal["prod", "dev"]


class Severity(Enum):
    INFO = "info"
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        return _SEVERITY_RANK[self]

    def __ge__(self, other: object) -> bool:
        if not isinstance(other, Severity):
            return NotImplemented
        return self.rank >= other.rank

    def __gt__(self, other: object) -> bool:
        if not isinstance(other, Severity):
            return NotImplemented
        return self.rank > other.rank

    def __le__(self, other: object) -> bool:
        if not isinstance(other, Severity):
            return NotImplemented
        return self.rank <= other.rank

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, Severity):
            return NotImplemented
        return self.rank < other.rank

    @classmethod
    def parse(cls, text: str) -> Severity:
        """Parse a severity name; ``moderate`` (GitHub, npm) is an alias of ``medium``."""
        key = text.strip().lower()
        key = _SEVERITY_ALIASES.get(key, key)
        try:
            return cls(key)
        except ValueError:
            names = ", ".join(s.value for s in cls)
            raise ValueError(f"unknown severity {text!r}; expected one of {names}") from None


_SEVERITY_RANK = {s: i for i, s in enumerate(Severity)}
_SEVERITY_ALIASES = {"moderate": "medium", "warning": "medium", "error": "high", "none": "info"}


class Status(Enum):
    """A judged gate's status. ``errored`` always fails the run: we fail closed."""

    PASSED = "passed"
    FAILED = "failed"
    SKIPPED = "skipped"
    ERRORED = "errored"


class ErrorKind(Enum):
    """Why a gate errored; decides the exit code (see :mod:`gatekeeper.errors`)."""

    INPUT = "input"  # exit 2
    BACKEND = "backend"  # exit 3
    INTERNAL = "internal"  # exit 4


@dataclass(frozen=True, slots=True)
class Location:
    path: str
    line: int | None = None
    column: int | None = None
    end_line: int | None = None

    def __str__(self) -> str:
        if self.line is None:
            return self.path
        if self.column is None:
            return f"{self.path}:{self.line}"
        return f"{self.path}:{self.line}:{self.column}"


_SCALARS = frozenset({str, int, float, bool})


def freeze(data: Mapping[str, JSONValue] | None) -> Mapping[str, JSONValue]:
    """A read-only copy of a ``data`` payload (lists become tuples, dicts read-only)."""

    def _freeze(value: JSONValue) -> JSONValue:
        if value is None or type(value) in _SCALARS:  # most values: no ABC isinstance checks
            return value
        if isinstance(value, Mapping):
            return MappingProxyType({str(k): _freeze(v) for k, v in value.items()})
        if isinstance(value, list | tuple | set | frozenset):
            items = sorted(value) if isinstance(value, set | frozenset) else value
            return tuple(_freeze(v) for v in items)
        return value

    frozen: Mapping[str, JSONValue] = _freeze(dict(data or {}))
    return frozen


#: Every rule's documentation lives at this address followed by the rule ID.
RULE_DOCS = "https://gatekeeper.internal/docs/rules#"


def help_uri(rule_id: str) -> str:
    """The documentation page of ``rule_id``."""
    return RULE_DOCS + rule_id


def make_fingerprint(rule_id: str, *parts: object) -> str:
    """A stable fingerprint: the rule plus whatever identifies the problem *without* line numbers.

    Use content (the offending source line stripped, the package name and advisory ID, the key
    path), never positions, so the fingerprint survives code moving around.
    """
    digest = hashlib.sha256()
    digest.update(rule_id.encode())
    for part in parts:
        digest.update(b"\x1f")
        digest.update(str(part).encode())
    return digest.hexdigest()[:32]


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem a gate found. ``rule_id`` is stable and never reused (``GK-AUD-001``, ``B602``).

    ``scope`` is ``dev`` for a problem only in development dependencies (the runner blocks on it
    only with ``fail_on_dev``); ``ids`` holds the advisory ID and its aliases, which a waiver may
    name as well as the rule ID. ``data`` is a small JSON-compatible payload for reporters.
    Gates build findings with :meth:`Rule.finding`.
    """

    rule_id: str
    severity: Severity
    message: str
    fingerprint: str
    location: Location | None = None
    help_uri: str | None = None
    title: str | None = None
    data: Mapping[str, JSONValue] = field(default_factory=lambda: MappingProxyType({}))
    scope: Scope | None = None
    ids: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not isinstance(self.data, MappingProxyType):
            object.__setattr__(self, "data", freeze(self.data))
        object.__setattr__(self, "ids", tuple(self.ids))

    @property
    def waivable_ids(self) -> tuple[str, ...]:
        """The rule ID followed by every other identifier a waiver may use."""
        return (self.rule_id, *self.ids)


@dataclass(frozen=True, slots=True)
class Rule:
    """A rule: a stable ID (never reused), its title, default severity and CWE if there is one.

    Every gate declares its rules as module constants and lists them in its ``rules``;
    :func:`gatekeeper.rules.all_rules` collects them for the README and SARIF. ``help_uri``
    defaults to the rule's documentation page. A rule with a CWE is a security rule.
    """

    id: str
    title: str
    severity: Severity
    cwe: int | None = None
    description: str = ""
    help_uri: str = ""

    def __post_init__(self) -> None:
        if not self.help_uri:
            object.__setattr__(self, "help_uri", help_uri(self.id))

    @property
    def security(self) -> bool:
        return self.cwe is not None

    def finding(
        self,
        message: str,
        *fingerprint: object,
        location: Location | None = None,
        severity: Severity | None = None,
        scope: Scope | None = None,
        ids: tuple[str, ...] = (),
        data: Mapping[str, JSONValue] | None = None,
    ) -> Finding:
        """A finding of this rule. ``fingerprint`` are the content parts that identify the
        problem (see :func:`make_fingerprint`); ``severity`` overrides the rule's default.
        ``data`` gets the rule's CWE (``"cwe": "CWE-798"``) when it has one."""
        if self.cwe is not None:
            data = {**(data or {}), "cwe": f"CWE-{self.cwe}"}
        return Finding(
            rule_id=self.id,
            severity=severity or self.severity,
            message=message,
            fingerprint=make_fingerprint(self.id, *fingerprint),
            location=location,
            help_uri=self.help_uri,
            title=self.title,
            data=data or {},
            scope=scope,
            ids=ids,
        )


@dataclass(frozen=True, slots=True)
class GateResult:
    """What a gate returns. Skips and errors are values, not exceptions."""

    findings: tuple[Finding, ...] = ()
    metrics: Mapping[str, JSONScalar] = field(default_factory=lambda: MappingProxyType({}))
    skipped: str | None = None
    error: str | None = None
    error_kind: ErrorKind | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "findings", tuple(self.findings))
        if not isinstance(self.metrics, MappingProxyType):
            object.__setattr__(self, "metrics", MappingProxyType(dict(self.metrics)))

    @classmethod
    def ok(
        cls, findings: tuple[Finding, ...] | list[Finding] = (), **metrics: JSONScalar
    ) -> GateResult:
        return cls(findings=tuple(findings), metrics=metrics)

    @classmethod
    def skip(cls, reason: str) -> GateResult:
        return cls(skipped=reason)

    @classmethod
    def errored(cls, reason: str, kind: ErrorKind = ErrorKind.INTERNAL) -> GateResult:
        return cls(error=reason, error_kind=kind)


@dataclass(frozen=True, slots=True)
class JudgedFinding:
    """A finding after the policy was applied once, by the runner."""

    finding: Finding
    blocking: bool
    waived_by: str | None = None
    pre_existing: bool = False
    #: The waiver's reason, shown as the justification of a suppression.
    waiver_reason: str | None = None


@dataclass(frozen=True, slots=True)
class GateReport:
    name: str
    status: Status
    findings: tuple[JudgedFinding, ...] = ()
    metrics: Mapping[str, JSONScalar] = field(default_factory=lambda: MappingProxyType({}))
    reason: str | None = None
    error_kind: ErrorKind | None = None
    duration_s: float = 0.0


@dataclass(frozen=True, slots=True)
class Summary:
    """Counts made once by the runner, so reporters never count."""

    total: int = 0
    blocking: int = 0
    waived: int = 0
    pre_existing: int = 0
    by_severity: Mapping[str, int] = field(default_factory=lambda: MappingProxyType({}))
    gates_passed: int = 0
    gates_failed: int = 0
    gates_skipped: int = 0
    gates_errored: int = 0


@dataclass(frozen=True, slots=True)
class Report:
    """The whole run. ``verdict`` is ``passed`` or ``failed``; ``exit_code`` follows from it."""

    verdict: Status
    exit_code: int
    gates: tuple[GateReport, ...]
    tool_version: str
    root: str
    base_ref: str | None = None
    policy_sources: tuple[str, ...] = ()
    summary: Summary = field(default_factory=Summary)
    schema_version: str = SCHEMA_VERSION

    @property
    def findings(self) -> tuple[JudgedFinding, ...]:
        return tuple(f for g in self.gates for f in g.findings)
