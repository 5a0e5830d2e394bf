"""Build the policy from its merged TOML, reporting every problem at once.

In the style of packaging's ``pylock.py``: each section is read by small typed getters whose
errors name the key. Unlike pylock's, a getter never raises: it records a :class:`Problem` (the
key path and what is wrong) and returns the field's default, so that one pass finds every
mistake; the caller raises :class:`InvalidPolicy` with all of them. Unknown keys are problems
too (a typo must never silently switch a gate off), with the closest known key as a hint.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import operator
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, fields, is_dataclass
from enum import Enum
from typing import Any, TypeVar, cast

from gatekeeper.duration import parse_duration
from gatekeeper.errors import PolicyError
from gatekeeper.model import Severity
from gatekeeper.names import SERVICE_NAME
from gatekeeper.policy.model import (
    BACKENDS,
    KEY_TYPES,
    MARKER_NAMES,
    PERSONAS,
    AuditPolicy,
    CertsCA,
    CertsPolicy,
    CertsRole,
    CertsService,
    ConfigPolicy,
    CoveragePolicy,
    GateSection,
    InternalPolicy,
    Policy,
    PublishPolicy,
    RegistryPolicy,
    RuntimePolicy,
    SastPolicy,
    SecretsPolicy,
    SupplyChainPolicy,
    Threshold,
    Waiver,
    WorkflowsPolicy,
)

T = TypeVar("T")
S = TypeVar("S", bound=str)
Key = tuple[str | int, ...]
Reader = Callable[[Any], T]

#: TOML's names for Python's types; bool before int and datetime before date (subclasses).
_KINDS: tuple[tuple[type | tuple[type, ...], str], ...] = (
    (bool, "a boolean"),
    (int, "an integer"),
    (float, "a float"),
    (str, "a string"),
    ((list, tuple), "an array"),
    (Mapping, "a table"),
    (dt.datetime, "a date-time"),
    (dt.date, "a date"),
    (dt.time, "a time"),
)
_COMPARE = {">=": operator.ge, ">": operator.gt, "<=": operator.le, "<": operator.lt}


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with the policy: the key path, what is wrong, and where (once known)."""

    key: Key
    message: str
    file: str | None = None
    line: int | None = None

    @property
    def dotted(self) -> str:
        return ".".join(str(k) for k in self.key) or "(top level)"

    def __str__(self) -> str:
        where = ""
        if self.file is not None:
            where = f"{self.file}:{self.line}: " if self.line is not None else f"{self.file}: "
        return f"{where}{self.dotted}: {self.message}"


class InvalidPolicy(PolicyError):
    """Every problem found in a policy (exit 2). ``str()`` is one ``FILE:LINE: key: problem``
    line per problem; ``path`` and ``line`` are the first problem's."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        first = problems[0]
        super().__init__(f"{first.dotted}: {first.message}", path=first.file, line=first.line)
        self.problems = tuple(problems)

    def __str__(self) -> str:
        return "\n".join(str(p) for p in self.problems)


class Invalid(ValueError):
    """A value's problem; ``at`` is where below the key it is (an array index, a table key)."""

    def __init__(self, message: str, at: Key = ()) -> None:
        super().__init__(message)
        self.at = at


def _at(exc: ValueError) -> Key:
    return exc.at if isinstance(exc, Invalid) else ()


def _kind(value: object) -> str:
    return next((name for cls, name in _KINDS if isinstance(value, cls)), type(value).__name__)


# Readers: check and convert one value, or raise Invalid (a ValueError).


def _expect(value: object, cls: type | tuple[type, ...], what: str) -> Any:
    wanted = cls if isinstance(cls, tuple) else (cls,)
    if not isinstance(value, cls) or (isinstance(value, bool) and bool not in wanted):
        raise Invalid(f"expected {what}, got {_kind(value)}")
    return value


def boolean(value: object) -> bool:
    return cast(bool, _expect(value, bool, "a boolean"))


def string(value: object) -> str:
    return cast(str, _expect(value, str, "a string"))


def nonempty(value: object) -> str:
    text = string(value)
    if not text:
        raise Invalid("must not be empty")
    return text


def table(value: object) -> Mapping[str, Any]:
    return cast(Mapping[str, Any], _expect(value, Mapping, "a table"))


def _bounded(value: float, bounds: dict[str, float | None]) -> None:
    wanted = [(op, bound) for op, bound in bounds.items() if bound is not None]
    if not all(_COMPARE[op](value, bound) for op, bound in wanted):
        limits = " and ".join(f"{op} {bound:g}" for op, bound in wanted)
        raise Invalid(f"must be {limits}, got {value:g}")


def integer(*, ge: int | None = None, le: int | None = None) -> Reader[int]:
    def read(value: object) -> int:
        number = cast(int, _expect(value, int, "an integer"))
        _bounded(number, {">=": ge, "<=": le})
        return number

    return read


def number(
    *,
    ge: float | None = None,
    gt: float | None = None,
    le: float | None = None,
    lt: float | None = None,
) -> Reader[float]:
    def read(value: object) -> float:
        result = float(_expect(value, (int, float), "a number"))
        _bounded(result, {">=": ge, ">": gt, "<=": le, "<": lt})
        return result

    return read


def optional(reader: Reader[T]) -> Reader[T | None]:
    """``reader``, also accepting None (TOML has no null; overrides from flags may pass it)."""

    def read(value: object) -> T | None:
        return None if value is None else reader(value)

    return read


def list_of(item: Reader[T], *, min_length: int = 0) -> Reader[list[T]]:
    def read(value: object) -> list[T]:
        result = []
        for index, entry in enumerate(_expect(value, (list, tuple), "an array")):
            try:
                result.append(item(entry))
            except ValueError as exc:
                raise Invalid(str(exc), (index, *_at(exc))) from None
        if len(result) < min_length:
            raise Invalid(f"must have at least {min_length} item{'s' if min_length > 1 else ''}")
        return result

    return read


strings = list_of(string)


def choice(options: tuple[S, ...]) -> Reader[S]:
    def read(value: object) -> S:
        text = string(value)
        if text not in options:
            raise Invalid(f"must be one of {', '.join(options)}, got {text!r}")
        return text

    return read


def severity(value: object) -> Severity:
    if isinstance(value, Severity):
        return value
    if not isinstance(value, str):
        raise Invalid(f"expected a severity name, got {_kind(value)}")
    return Severity.parse(value)  # ValueError: "unknown severity 'x'; expected one of ..."


def date(value: object) -> dt.date:
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    raise Invalid(f"expected a date (YYYY-MM-DD), got {_kind(value)}")


def duration(value: object) -> str:
    text = string(value)
    parse_duration(text)  # ValueError: "invalid duration 'x' (use e.g. 90d, ...)"
    return text


def service_name(value: object) -> str:
    text = string(value)
    if not SERVICE_NAME.fullmatch(text):
        raise Invalid("service names are lowercase letters, digits, '-' and '_'")
    return text


def ip(value: object) -> str:
    return str(ipaddress.ip_address(string(value)))  # ValueError names the bad address


def _inside(value: object, what: str) -> str:
    text = string(value)
    parts = text.replace("\\", "/").split("/")
    if not text or text.startswith(("/", "~")) or ".." in parts or ":" in text:
        raise Invalid(f"{what} must be a relative path inside the repository")
    return text


def relative_dir(value: object) -> str:
    return _inside(value, "dir")


def relative_file(value: object) -> str:
    return _inside(value, "the file")


def domain(value: object) -> str:
    cleaned = string(value).strip().lower().strip(".")
    if not cleaned or "*" in cleaned:
        raise Invalid("allowed domains must be non-empty names without wildcards")
    return cleaned


def markers(value: object) -> dict[str, str]:
    result = {}
    for key, entry in table(value).items():
        if key not in MARKER_NAMES:
            known = ", ".join(sorted(MARKER_NAMES))
            raise Invalid(f"unknown marker variable {key!r}: use {known}", (key,))
        try:
            result[key] = string(entry)
        except Invalid as exc:
            raise Invalid(str(exc), (key,)) from None
    return result


class Table:
    """One TOML table being read. Every getter marks its key as known; a wrong value becomes a
    problem and the getter returns the default, so that reading goes on."""

    __slots__ = ("data", "key", "known", "problems")

    def __init__(self, data: Mapping[str, Any], key: Key, problems: list[Problem]) -> None:
        self.data = data
        self.key = key
        self.problems = problems
        self.known: list[str] = []

    def problem(self, message: str, *at: str | int) -> None:
        self.problems.append(Problem((*self.key, *at), message))

    def get(self, key: str, default: T, reader: Reader[T]) -> T:
        self.known.append(key)
        if key not in self.data:
            return default
        try:
            return reader(self.data[key])
        except ValueError as exc:
            self.problem(str(exc), key, *_at(exc))
            return default

    def required(self, key: str, placeholder: T, reader: Reader[T]) -> T:
        if key not in self.data:
            self.problem("required key is missing", key)
        return self.get(key, placeholder, reader)

    def table(self, key: str) -> Table:
        """The table at ``key``: empty when it is absent (or not a table: a problem)."""
        return Table(self.get(key, {}, table), (*self.key, key), self.problems)

    def tables(self, key: str) -> list[Table]:
        """The array of tables at ``key``."""
        entries: list[Mapping[str, Any]] = self.get(key, [], list_of(table))
        return [Table(entry, (*self.key, key, i), self.problems) for i, entry in enumerate(entries)]

    def close(self) -> None:
        """Report every key no getter asked for, with the closest known one."""
        for key in self.data:
            if key not in self.known:
                import difflib  # only for a policy with a mistake

                close = difflib.get_close_matches(key, self.known, n=1)
                hint = f"did you mean {close[0]!r}?" if close else f"known: {', '.join(self.known)}"
                self.problem(f"unknown key ({hint})", key)


# Builders: one per class, reading its table.


def _gate(t: Table, defaults: GateSection) -> dict[str, Any]:
    return {
        "enabled": t.get("enabled", defaults.enabled, boolean),
        "fail_on": t.get("fail_on", defaults.fail_on, severity),
        "fail_on_dev": t.get("fail_on_dev", defaults.fail_on_dev, boolean),
        "baseline": t.get("baseline", defaults.baseline, optional(relative_file)),
    }


def _internal(t: Table) -> InternalPolicy:
    d = InternalPolicy()
    return InternalPolicy(
        prefixes=t.get("prefixes", d.prefixes, strings),
        index_url=t.get("index_url", d.index_url, optional(string)),
    )


_DEVPI_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")


def devpi_user(value: object) -> str:
    text = nonempty(value)
    if not _DEVPI_NAME.fullmatch(text):
        raise Invalid("must be a devpi user name (letters, digits, '.', '_', '-')")
    return text


def devpi_index(value: object) -> str:
    user, slash, index = nonempty(value).partition("/")
    if not slash or not _DEVPI_NAME.fullmatch(user) or not _DEVPI_NAME.fullmatch(index):
        raise Invalid("must be a devpi index as USER/INDEX")
    return f"{user}/{index}"


def _registry(t: Table) -> RegistryPolicy:
    d = RegistryPolicy()
    return RegistryPolicy(
        org=t.get("org", d.org, devpi_user),
        publisher=t.get("publisher", d.publisher, optional(devpi_user)),
        prod_bases=t.get("prod_bases", d.prod_bases, list_of(devpi_index)),
        release_indexes=t.get("release_indexes", d.release_indexes, list_of(devpi_index)),
        timeout_s=t.get("timeout_s", d.timeout_s, number(gt=0)),
    )


def _coverage(t: Table) -> CoveragePolicy:
    d, percent = CoveragePolicy(), number(ge=0, le=100)
    return CoveragePolicy(
        **_gate(t, d),
        lines=t.get("lines", d.lines, percent),
        branches=t.get("branches", d.branches, percent),
        command=t.get("command", d.command, list_of(string, min_length=1)),
        data=t.get("data", d.data, optional(nonempty)),
        source=t.get("source", d.source, strings),
        timeout_s=t.get("timeout_s", d.timeout_s, number(gt=0)),
    )


def _audit(t: Table) -> AuditPolicy:
    d, days, text = AuditPolicy(), integer(ge=0), optional(string)
    return AuditPolicy(
        **_gate(t, d),
        unknown_severity=t.get("unknown_severity", d.unknown_severity, severity),
        max_age_days=t.get("max_age_days", d.max_age_days, days),
        hard_max_age_days=t.get("hard_max_age_days", d.hard_max_age_days, days),
        db=t.get("db", d.db, text),
        osv_url=t.get("osv_url", d.osv_url, text),
        files=t.get("files", d.files, strings),
        env=t.get("env", d.env, text),
        application=t.get("application", d.application, boolean),
        index_url=t.get("index_url", d.index_url, text),
        environment=t.get("environment", d.environment, markers),
        resolve=t.get("resolve", d.resolve, boolean),
    )


def _config(t: Table) -> ConfigPolicy:
    d = ConfigPolicy()
    return ConfigPolicy(**_gate(t, d), services=t.get("services", d.services, strings))


def _ca(t: Table) -> CertsCA:
    d = CertsCA()
    return CertsCA(
        root_common_name=t.get("root_common_name", d.root_common_name, string),
        intermediate_common_name=t.get(
            "intermediate_common_name", d.intermediate_common_name, string
        ),
        organization=t.get("organization", d.organization, string),
        root_ttl=t.get("root_ttl", d.root_ttl, duration),
        intermediate_ttl=t.get("intermediate_ttl", d.intermediate_ttl, duration),
        url_base=t.get("url_base", d.url_base, string),
    )


def _role(t: Table) -> CertsRole:
    d, before = CertsRole(), len(t.problems)
    role = CertsRole(
        allowed_domains=t.get("allowed_domains", d.allowed_domains, list_of(domain)),
        allow_subdomains=t.get("allow_subdomains", d.allow_subdomains, boolean),
        allow_bare_domains=t.get("allow_bare_domains", d.allow_bare_domains, boolean),
        allow_localhost=t.get("allow_localhost", d.allow_localhost, boolean),
        allow_ip_sans=t.get("allow_ip_sans", d.allow_ip_sans, boolean),
        allow_wildcard=t.get("allow_wildcard", d.allow_wildcard, boolean),
        key_types=t.get("key_types", d.key_types, list_of(choice(KEY_TYPES), min_length=1)),
        max_ttl=t.get("max_ttl", d.max_ttl, duration),
        default_ttl=t.get("default_ttl", d.default_ttl, duration),
        no_store=t.get("no_store", d.no_store, boolean),
    )
    ttls_valid = len(t.problems) == before
    if ttls_valid and parse_duration(role.default_ttl) > parse_duration(role.max_ttl):
        t.problem(f"default_ttl is longer than max_ttl ({role.max_ttl})", "default_ttl")
    return role


def _service(t: Table) -> CertsService:
    return CertsService(
        name=t.required("name", "", service_name),
        sans=t.get("sans", [], strings),
        ips=t.get("ips", [], list_of(ip)),
        role=t.get("role", None, optional(string)),
        key_type=t.get("key_type", None, optional(choice(KEY_TYPES))),
        ttl=t.get("ttl", None, optional(duration)),
    )


def _certs(t: Table) -> CertsPolicy:
    d, days = CertsPolicy(), integer(ge=0)
    present = t.table("roles")
    roles = {key: _closed(_role, present.table(key)) for key in present.data}
    for key in present.data:
        if not SERVICE_NAME.fullmatch(key):
            present.problem(f"invalid role name {key!r}: use lowercase letters, digits, '-'", key)
    if "roles" in t.data and isinstance(t.data["roles"], Mapping) and not roles:
        t.problem("at least one role is required", "roles")
    roles = roles or d.roles
    services = [_closed(_service, s) for s in t.tables("services")]
    seen: set[str] = set()
    for index, service in enumerate(services):
        if service.name and service.name in seen:
            t.problem(f"service name {service.name!r} appears twice", "services", index, "name")
        seen.add(service.name)
        if service.role is not None and service.role not in roles:
            known = ", ".join(roles)
            t.problem(f"unknown role {service.role!r} (roles: {known})", "services", index, "role")
    return CertsPolicy(
        **_gate(t, d),
        dir=t.get("dir", d.dir, relative_dir),
        warn_days=t.get("warn_days", d.warn_days, days),
        fail_days=t.get("fail_days", d.fail_days, days),
        backend=t.get("backend", d.backend, choice(BACKENDS)),
        renew_fraction=t.get("renew_fraction", d.renew_fraction, number(gt=0, lt=1)),
        renew_jitter=t.get("renew_jitter", d.renew_jitter, number(ge=0, lt=1)),
        ca=_closed(_ca, t.table("ca")),
        roles=roles,
        services=services,
    )


def _runtime(t: Table) -> RuntimePolicy:
    d = RuntimePolicy()
    return RuntimePolicy(
        **_gate(t, d),
        fail_on_maintenance=t.get("fail_on_maintenance", d.fail_on_maintenance, boolean),
    )


def _workflows(t: Table) -> WorkflowsPolicy:
    d = WorkflowsPolicy()
    return WorkflowsPolicy(
        **_gate(t, d),
        allowed_owners=t.get("allowed_owners", d.allowed_owners, list_of(nonempty)),
        require_permissions=t.get("require_permissions", d.require_permissions, boolean),
        require_timeout=t.get("require_timeout", d.require_timeout, boolean),
        persona=t.get("persona", d.persona, choice(PERSONAS)),
        timeout_s=t.get("timeout_s", d.timeout_s, number(gt=0)),
    )


def _supply_chain(t: Table) -> SupplyChainPolicy:
    d, count = SupplyChainPolicy(), optional(integer(ge=0))
    return SupplyChainPolicy(
        **_gate(t, d),
        denylist=t.get("denylist", d.denylist, list_of(nonempty)),
        allow=t.get("allow", d.allow, list_of(nonempty)),
        popular=t.get("popular", d.popular, integer(ge=1, le=15000)),
        require_hashes=t.get("require_hashes", d.require_hashes, boolean),
        public_index_url=t.get("public_index_url", d.public_index_url, optional(nonempty)),
        max_dependencies=t.get("max_dependencies", d.max_dependencies, count),
        max_transitive=t.get("max_transitive", d.max_transitive, count),
    )


_BANDIT_LEVELS = (Severity.LOW, Severity.MEDIUM, Severity.HIGH)
_BANDIT_ID = re.compile(r"B\d{3}")


def bandit_level(value: object) -> Severity:
    level = severity(value)
    if level not in _BANDIT_LEVELS:
        raise Invalid(f"must be low, medium or high, got {level.value!r}")
    return level


def bandit_id(value: object) -> str:
    text = string(value)
    if not _BANDIT_ID.fullmatch(text):
        raise Invalid(f"expected a bandit test ID such as B602, got {text!r}")
    return text


def _threshold(t: Table, d: Threshold) -> Threshold:
    threshold = Threshold(
        severity=t.get("severity", d.severity, bandit_level),
        confidence=t.get("confidence", d.confidence, bandit_level),
    )
    t.close()
    return threshold


def _sast(t: Table) -> SastPolicy:
    d, ids = SastPolicy(), list_of(bandit_id)
    return SastPolicy(
        **_gate(t, d),
        include=t.get("include", d.include, ids),
        exclude=t.get("exclude", d.exclude, ids),
        exclude_paths=t.get("exclude_paths", d.exclude_paths, list_of(nonempty)),
        report_at=_threshold(t.table("report_at"), d.report_at),
        fail_at=_threshold(t.table("fail_at"), d.fail_at),
        require_reason=t.get("require_reason", d.require_reason, boolean),
        jobs=t.get("jobs", d.jobs, integer(ge=0)),
        cache=t.get("cache", d.cache, boolean),
    )


def _secrets(t: Table) -> SecretsPolicy:
    d = SecretsPolicy()
    return SecretsPolicy(
        **_gate(t, d),
        fixtures=t.get("fixtures", d.fixtures, list_of(nonempty)),
        history=t.get("history", d.history, boolean),
        history_max_commits=t.get("history_max_commits", d.history_max_commits, integer(ge=1)),
        min_entropy=t.get("min_entropy", d.min_entropy, number(ge=0, le=6)),
    )


def gate_name(value: object) -> str:
    from gatekeeper.gates import GATES

    text = string(value)
    if text not in GATES:
        raise Invalid(f"unknown gate {text!r}: use {', '.join(GATES)}")
    return text


def _publish(t: Table) -> PublishPolicy:
    d = PublishPolicy()
    return PublishPolicy(
        fail_on=t.get("fail_on", d.fail_on, severity),
        max_file_bytes=t.get("max_file_bytes", d.max_file_bytes, integer(ge=1)),
        forbidden=t.get("forbidden", d.forbidden, list_of(nonempty)),
        gates=t.get("gates", d.gates, list_of(gate_name)),
    )


def _waiver(t: Table) -> Waiver:
    return Waiver(
        id=t.required("id", "", nonempty),
        expires=t.required("expires", dt.date.min, date),
        reason=t.get("reason", "", string),
        path=t.get("path", None, optional(string)),
    )


def _policy(t: Table) -> Policy:
    return Policy(
        version=t.get("version", 1, integer(ge=1, le=1)),
        internal=_closed(_internal, t.table("internal")),
        coverage=_closed(_coverage, t.table("coverage")),
        audit=_closed(_audit, t.table("audit")),
        config=_closed(_config, t.table("config")),
        certs=_closed(_certs, t.table("certs")),
        runtime=_closed(_runtime, t.table("runtime")),
        workflows=_closed(_workflows, t.table("workflows")),
        supply_chain=_closed(_supply_chain, t.table("supply_chain")),
        sast=_closed(_sast, t.table("sast")),
        secrets=_closed(_secrets, t.table("secrets")),
        registry=_closed(_registry, t.table("registry")),
        publish=_closed(_publish, t.table("publish")),
        waiver=[_closed(_waiver, w) for w in t.tables("waiver")],
    )


def _closed(build: Callable[[Table], T], t: Table) -> T:
    """``build(t)``, then every key of ``t`` it did not read is reported as unknown."""
    value = build(t)
    t.close()
    return value


_BUILDERS: dict[type, Callable[[Table], Any]] = {
    Policy: _policy,
    InternalPolicy: _internal,
    CoveragePolicy: _coverage,
    AuditPolicy: _audit,
    ConfigPolicy: _config,
    CertsPolicy: _certs,
    CertsCA: _ca,
    CertsRole: _role,
    CertsService: _service,
    RuntimePolicy: _runtime,
    WorkflowsPolicy: _workflows,
    SupplyChainPolicy: _supply_chain,
    SastPolicy: _sast,
    SecretsPolicy: _secrets,
    RegistryPolicy: _registry,
    PublishPolicy: _publish,
    Waiver: _waiver,
}


def read(cls: type[T], data: Mapping[str, Any]) -> tuple[T, list[Problem]]:
    """``data`` read as a ``cls`` (a policy class), and every problem found in it. With
    problems, the value holds defaults in their place: raise, do not use it."""
    problems: list[Problem] = []
    value = _closed(_BUILDERS[cls], Table(data, (), problems))
    return cast(T, value), problems


def from_mapping(cls: type[T], data: Mapping[str, Any], source: str = "<data>") -> T:
    """``data`` as a ``cls``; raises :class:`InvalidPolicy` naming ``source`` on any problem."""
    value, problems = read(cls, data)
    if problems:
        raise InvalidPolicy([Problem(p.key, p.message, source) for p in problems])
    return value


def as_mapping(value: Any) -> Any:
    """A policy object as TOML-like data: the inverse of :func:`from_mapping`."""
    if is_dataclass(value) and not isinstance(value, type):
        pairs = ((f.name, getattr(value, f.name)) for f in fields(value))
        return {key: as_mapping(item) for key, item in pairs if item is not None}
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, list):
        return [as_mapping(item) for item in value]
    if isinstance(value, dict):
        return {key: as_mapping(item) for key, item in value.items()}
    return value
