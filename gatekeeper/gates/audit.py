"""The dependency audit gate: known-vulnerable, unpinned, internal and unknown dependencies.

It finds; the runner judges (threshold, dev scope, waivers, PR-mode baseline). Rules:

========== ======== ==================================================== =========
rule       severity title                                                CWE
========== ======== ==================================================== =========
GK-AUD-001 advisory Vulnerable dependency                                CWE-1395
GK-AUD-002 high     Unpinned requirement (info in a library)             CWE-1357
GK-AUD-003 info     Internal package, not covered by public advisories   —
GK-AUD-004 high     Package found on no index                            CWE-427
GK-AUD-005 medium   Advisory database is stale                           —
GK-AUD-006 critical Advisory database is too old to trust                —
GK-AUD-007 high     Nothing audited in a Python project                  —
GK-AUD-008 critical Advisory database is dated in the future             —
GK-AUD-009 info     Not audited: the project's own code                  —
========== ======== ==================================================== =========

GK-AUD-002 also covers what the audit cannot know the version of: a VCS or direct-URL
dependency no lock pins, and a version that is not PEP 440 (whatever the package).

Fingerprints are content-based so PR mode can tell new findings from pre-existing ones:
GK-AUD-001 hashes (package, advisory primary ID, scope). No line or file (moving a pin keeps
the finding) and no version: upgrading to a version that is still vulnerable to the same
advisory is not a new problem, while a downgrade that brings in another advisory is (new ID),
and so is a vulnerable package moving from dev to prod (new scope). The other dependency rules
hash (package, scope) or (package). The database rules are never in the baseline: a stale
database fails a pull request like any run.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from gatekeeper.deps.discover import (
    collect,
    discover_files,
    has_python_project,
    inside_repository,
    outside_error,
    working_tree_reader,
)
from gatekeeper.deps.interface import RESOLVED, Dependency, ParseContext, Reader, Skipped
from gatekeeper.deps.markers import marker_holds
from gatekeeper.errors import LockfileError
from gatekeeper.excerpt import excerpt, mask_credentials
from gatekeeper.gates.interface import Gate, GateContext
from gatekeeper.model import Finding, GateResult, Location, Severity, help_uri, make_fingerprint

if TYPE_CHECKING:
    from gatekeeper.advisories import AdvisorySource, Vulnerability
    from gatekeeper.git import GitRepo
    from gatekeeper.policy.model import Policy

VULNERABLE = "GK-AUD-001"
UNPINNED = "GK-AUD-002"
INTERNAL = "GK-AUD-003"
UNKNOWN = "GK-AUD-004"
STALE = "GK-AUD-005"
EXPIRED = "GK-AUD-006"
NOTHING = "GK-AUD-007"
FUTURE = "GK-AUD-008"
SKIPPED = "GK-AUD-009"

#: rule → (title, CWE or None); the docs' rule table.
RULES: dict[str, tuple[str, str | None]] = {
    VULNERABLE: ("Vulnerable dependency", "CWE-1395"),
    UNPINNED: ("Unpinned requirement", "CWE-1357"),
    INTERNAL: ("Internal package", None),
    UNKNOWN: ("Package found on no index", "CWE-427"),
    STALE: ("Advisory database is stale", None),
    EXPIRED: ("Advisory database is too old", None),
    NOTHING: ("Nothing audited", None),
    FUTURE: ("Advisory database is dated in the future", None),
    SKIPPED: ("Not audited: the project's own code", None),
}


def _finding(
    rule: str,
    severity: Severity,
    message: str,
    fingerprint: Sequence[object],
    location: Location | None,
    data: dict[str, object],
) -> Finding:
    title, cwe = RULES[rule]
    if cwe is not None:
        data = {**data, "cwe": cwe}
    return Finding(
        rule_id=rule,
        severity=severity,
        message=message,
        fingerprint=make_fingerprint(rule, *fingerprint),
        location=location,
        help_uri=help_uri(rule),
        title=title,
        data=data,
    )


def is_internal(name: str, prefixes: Iterable[str]) -> bool:
    normalized = Dependency.normalize(name)
    return any(normalized.startswith(Dependency.normalize(p)) for p in prefixes if p.strip())


def git_reader(git: GitRepo, ref: str) -> Reader:
    """Files at ``ref`` via ``git show`` (no checkout), each read once."""
    seen: dict[str, str | None] = {}

    def read(path: str) -> str | None:
        if path not in seen:
            data = git.show(ref, path)
            seen[path] = None if data is None else data.decode("utf-8", errors="replace")
        return seen[path]

    return read


def _base(dep: Dependency) -> dict[str, object]:
    return {
        "package": dep.name,
        "version": dep.version,
        "scope": dep.scope,
        "source": dep.source,
    }


def vulnerable(dep: Dependency, vuln: Vulnerability, fix: str | None, policy: Policy) -> Finding:
    severity = vuln.severity or policy.audit.unknown_severity
    assumed = "" if vuln.severity else f" (severity unknown: treated as {severity.value})"
    fixed = f"upgrade to {fix}" if fix else "no fixed version is known: waive it with a reason"
    resolved = "" if dep.pinned else ", resolved today"
    others = f" ({', '.join(vuln.aliases)})" if vuln.aliases else ""
    return _finding(
        VULNERABLE,
        severity,
        f"{dep.raw_name or dep.name} {dep.version} ({dep.scope}{resolved}) is affected by "
        f"{vuln.id}{others}: {vuln.summary or 'no summary'}{assumed}; {fixed}",
        (dep.name, vuln.id, dep.scope),
        dep.location,
        {
            **_base(dep),
            "ids": list(vuln.ids),
            "advisory": vuln.id,
            "fix_version": fix,
            "advisory_fix_version": vuln.fix_version,
            "severity_known": vuln.severity is not None,
            "cvss_vector": vuln.cvss_vector,
            "url": vuln.url,
        },
    )


def unpinned(dep: Dependency, policy: Policy, why: str) -> Finding:
    severity = Severity.HIGH if policy.audit.application else Severity.INFO
    spec = dep.specifier if len(dep.specifier) <= 80 else dep.specifier[:80] + "..."
    return _finding(
        UNPINNED,
        severity,
        f"{dep.raw_name or dep.name}{spec} ({dep.scope}) {why}: "
        "the audit cannot know what gets installed; pin it (==) or use a lockfile",
        (dep.name, dep.scope),
        dep.location,
        {
            **_base(dep),
            "specifier": dep.specifier,
            "url": mask_credentials(dep.url) if dep.url else None,
        },
    )


def unversioned(dep: Dependency) -> str:
    """Why the audit cannot know the version of an unpinned dependency."""
    if dep.url is None:
        return "is not pinned"
    return (
        f"is installed from {excerpt(dep.url)} (a VCS or direct URL) and no lock records "
        "its version"
    )


def not_pep440(dep: Dependency) -> bool:
    """Whether a pinned version is not PEP 440 (or too long for the interpreter to read)."""
    from packaging.version import Version

    try:
        Version(dep.version or "")
    except ValueError:
        return True
    return False


def skipped(skip: Skipped) -> Finding:
    return _finding(
        SKIPPED,
        Severity.INFO,
        f"{excerpt(skip.name)} is not audited: {skip.reason}",
        (skip.name, skip.location.path),
        skip.location,
        {"package": skip.name, "reason": skip.reason},
    )


def nothing_audited(root: Path, files: Sequence[str]) -> Finding:
    where = (
        f"{len(files)} dependency file(s) name none the target installs"
        if files
        else "no dependency file found"
    )
    return _finding(
        NOTHING,
        Severity.HIGH,
        f"no dependency was audited ({where}) although {root.name or root} is a Python project: "
        "list the lockfile in audit.files (requirements format, pylock.toml, uv.lock or "
        "poetry.lock), or waive this finding with a reason if the project has no dependencies",
        ("nothing-audited",),
        Location(files[0]) if files else None,
        {"files": list(files)},
    )


def internal(dep: Dependency, how: str) -> Finding:
    return _finding(
        INTERNAL,
        Severity.INFO,
        f"{dep.raw_name or dep.name} is internal ({how}): public advisories do not cover it",
        (dep.name,),
        dep.location,
        _base(dep),
    )


def unknown(dep: Dependency, index: str) -> Finding:
    return _finding(
        UNKNOWN,
        Severity.HIGH,
        f"{dep.raw_name or dep.name} exists neither on the internal index nor on {index}: a "
        "typo, a removed package, or a name an attacker can register",
        (dep.name,),
        dep.location,
        _base(dep),
    )


class DependencyAudit:
    """Findings for a list of dependencies against one advisory source and one policy."""

    def __init__(self, source: AdvisorySource, policy: Policy) -> None:
        self.source = source
        self.policy = policy
        self._internal: set[str] | None = None

    def internal_names(self) -> set[str]:
        if self._internal is None:
            url = self.policy.internal.index_url
            self._internal = set()
            if url:
                from gatekeeper.deps.index import IndexClient

                self._internal = IndexClient(url).projects()
        return self._internal

    def findings(self, deps: Iterable[Dependency]) -> list[Finding]:
        out: list[Finding] = []
        public = self.policy.audit.index_url
        for dep in deps:
            if is_internal(dep.name, self.policy.internal.prefixes):
                out.append(internal(dep, "its name matches internal.prefixes"))
                continue
            if dep.name in self.internal_names():
                out.append(internal(dep, "served by the internal index"))
                continue
            if public and not self.source.has_package(dep.name) and not _on_index(public, dep):
                out.append(unknown(dep, public))
                continue
            if not dep.pinned and dep.source != RESOLVED:
                out.append(unpinned(dep, self.policy, unversioned(dep)))
            if dep.version is None:
                continue
            if not_pep440(dep):
                why = f"has the version {excerpt(dep.version)}, which is not PEP 440"
                out.append(unpinned(dep, self.policy, why))
                continue
            vulns = self.source.vulnerabilities(dep.name, dep.version)
            fix = self.source.fix_version(dep.name, dep.version) if vulns else None
            out += [vulnerable(dep, v, fix, self.policy) for v in vulns]
        return out


def for_target(deps: Sequence[Dependency], policy: Policy) -> list[Dependency]:
    """The dependencies installed on the target environment (their marker, if any, holds),
    with unpinned requirements resolved when the policy says so."""
    environment = policy.audit.environment
    kept = [d for d in deps if d.marker is None or marker_holds(d.marker, environment)]
    if not policy.audit.resolve:
        return kept
    from gatekeeper.deps.resolve import resolve

    return resolve(kept, policy.audit.index_url)


def _on_index(url: str, dep: Dependency) -> bool:
    from gatekeeper.deps.index import IndexClient

    return IndexClient(url).versions(dep.name) is not None


def _resolve(root: Path, value: str) -> Path:
    path = Path(value).expanduser()
    return path if path.is_absolute() else root / path


def audit_files(root: Path, policy: Policy) -> list[str]:
    """The configured files (each inside the repository, else refused), else the discovered
    ones (none when an env is audited)."""
    if policy.audit.files:
        for path in policy.audit.files:
            if inside_repository(path) is None:
                raise outside_error(path, "audit.files")
        return list(policy.audit.files)
    return [] if policy.audit.env else discover_files(root)


def dependencies(
    root: Path,
    policy: Policy,
    reader: Reader | None = None,
    context: ParseContext | None = None,
) -> list[Dependency]:
    """Every dependency the audited files (and ``audit.env``) declare; ``context`` receives what
    is skipped and what lockfiles say the target does not install."""
    if context is None:
        context = ParseContext(environment=policy.audit.environment)
    deps = collect(audit_files(root, policy), reader or working_tree_reader(root), context)
    if policy.audit.env:
        from gatekeeper.deps.env import parse_env

        deps += parse_env(_resolve(root, policy.audit.env))
    return deps


def open_advisories(root: Path, policy: Policy) -> AdvisorySource:
    from gatekeeper.advisories import open_source

    db = _resolve(root, policy.audit.db) if policy.audit.db else None
    return open_source(db, policy.audit.osv_url)


def freshness(source: AdvisorySource, policy: Policy) -> list[Finding]:
    from gatekeeper.advisories import AdvisoryDB, Freshness

    if not isinstance(source, AdvisoryDB):
        return []  # the online source is always current
    status = source.status
    state = status.freshness(policy.audit.max_age_days, policy.audit.hard_max_age_days)
    if state is Freshness.FRESH:
        return []
    days = status.age_days()
    data: dict[str, object] = {
        "age_days": round(days, 1),
        "data_date": status.dated.isoformat(),
        "fetched_at": status.fetched_at.isoformat(),
        "source": status.source,
    }
    where = Location(status.path) if status.path else None
    synced = f"data as of {status.dated:%Y-%m-%d}, synced {status.fetched_at:%Y-%m-%d}"
    if state is Freshness.FUTURE:
        return [
            _finding(
                FUTURE,
                Severity.CRITICAL,
                f"the advisory database is dated in the future ({synced}): a wrong clock or "
                "forged data, so its age cannot be trusted; fix the clock and run "
                "`gatekeeper advisories sync`",
                ("advisory-db",),
                where,
                data,
            )
        ]
    if state is Freshness.STALE:
        return [
            _finding(
                STALE,
                Severity.MEDIUM,
                f"the advisory database is {days:.1f} days old ({synced}; warn after "
                f"{policy.audit.max_age_days}): run `gatekeeper advisories sync`",
                ("advisory-db",),
                where,
                data,
            )
        ]
    return [
        _finding(
            EXPIRED,
            Severity.CRITICAL,
            f"the advisory database is {days:.1f} days old ({synced}; limit "
            f"{policy.audit.hard_max_age_days}): new vulnerabilities would be missed; run "
            "`gatekeeper advisories sync`",
            ("advisory-db",),
            where,
            data,
        )
    ]


class AuditGate(Gate):
    name: ClassVar[str] = "audit"
    description: ClassVar[str] = "dependencies against the OSV advisory database"

    def __init__(self) -> None:
        self._source: AdvisorySource | None = None

    def _open(self, ctx: GateContext) -> AdvisorySource:
        if self._source is None:
            self._source = open_advisories(ctx.root, ctx.policy)
        return self._source

    def run(self, ctx: GateContext) -> GateResult:
        source = self._open(ctx)
        context = ParseContext(environment=ctx.policy.audit.environment)
        declared = dependencies(ctx.root, ctx.policy, context=context)
        deps = for_target(declared, ctx.policy)
        findings = freshness(source, ctx.policy)
        findings += [skipped(s) for s in context.skipped]
        findings += DependencyAudit(source, ctx.policy).findings(deps)
        audited = audit_files(ctx.root, ctx.policy)
        if not declared and not context.not_for_target and not ctx.policy.audit.env:
            if not audited and not has_python_project(ctx.root):
                return GateResult.skip("no Python project here: nothing to audit")
            findings.append(nothing_audited(ctx.root, audited))
        files = sorted({d.location.path for d in declared if d.source != "env"})
        return GateResult.ok(
            findings,
            dependencies=len(deps),
            not_for_target=len(declared) - len(deps) + context.not_for_target,
            skipped=len(context.skipped),
            files=len(files),
            vulnerable=len({f.data["package"] for f in findings if f.rule_id == VULNERABLE}),
        )

    def baseline(self, ctx: GateContext) -> frozenset[str] | None:
        """Fingerprints of the dependency findings at ``ctx.base_ref``, read with ``git show``.

        The files are those audited now; one missing at the base contributes nothing. A base
        whose files cannot be parsed has no pre-existing findings (everything counts as new).
        """
        if ctx.base_ref is None:
            return None
        reader = git_reader(ctx.git, ctx.base_ref)
        files = [f for f in audit_files(ctx.root, ctx.policy) if reader(f) is not None]
        try:
            context = ParseContext(environment=ctx.policy.audit.environment)
            deps = for_target(collect(files, reader, context), ctx.policy)
        except LockfileError:
            return frozenset()
        found = DependencyAudit(self._open(ctx), ctx.policy).findings(deps)
        return frozenset(f.fingerprint for f in found)
