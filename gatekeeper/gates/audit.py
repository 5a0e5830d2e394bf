"""The dependency audit gate: known-vulnerable, unpinned, internal and unknown dependencies.

It finds; the runner judges (threshold, dev scope, waivers, PR-mode baseline). Its rules are the
constants below (see the README's rule table and docs/audit.md).

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

import functools
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from gatekeeper.baseline import Counts, counts
from gatekeeper.deps.discover import collect, has_python_project
from gatekeeper.deps.interface import RESOLVED, Dependency, ParseContext, Reader, Skipped
from gatekeeper.deps.markers import marker_holds
from gatekeeper.deps.selection import audit_files, dependencies, open_advisories
from gatekeeper.errors import LockfileError
from gatekeeper.excerpt import excerpt, mask_credentials
from gatekeeper.gates.interface import Gate, GateContext
from gatekeeper.model import Finding, GateResult, Location, Rule, Severity

if TYPE_CHECKING:
    from gatekeeper.advisories import AdvisorySource, Vulnerability
    from gatekeeper.deps.index import IndexClient
    from gatekeeper.git import GitRepo
    from gatekeeper.policy.model import Policy

VULNERABLE = Rule(
    "GK-AUD-001",
    "Vulnerable dependency",
    Severity.HIGH,
    cwe=1395,
    description="A dependency affected by a known advisory; severity from the advisory "
    "(unknown: `audit.unknown_severity`).",
)
UNPINNED = Rule(
    "GK-AUD-002",
    "Unpinned requirement",
    Severity.HIGH,
    cwe=1357,
    description="A requirement not pinned with `==` nor locked (info when "
    "`audit.application = false`).",
)
INTERNAL = Rule(
    "GK-AUD-003",
    "Internal package",
    Severity.INFO,
    description="An internal package, which public advisories do not cover.",
)
UNKNOWN = Rule(
    "GK-AUD-004",
    "Package found on no index",
    Severity.HIGH,
    cwe=427,
    description="A dependency on neither the internal nor the public index: a typo, a removed "
    "package, or a name an attacker can register.",
)
STALE = Rule(
    "GK-AUD-005",
    "Advisory database is stale",
    Severity.MEDIUM,
    description="The advisory database is older than `audit.max_age_days`.",
)
EXPIRED = Rule(
    "GK-AUD-006",
    "Advisory database is too old",
    Severity.CRITICAL,
    description="The advisory database is older than `audit.hard_max_age_days`.",
)
NOTHING = Rule(
    "GK-AUD-007",
    "Nothing audited",
    Severity.HIGH,
    description="No dependency was audited although the repository is a Python project.",
)
FUTURE = Rule(
    "GK-AUD-008",
    "Advisory database is dated in the future",
    Severity.CRITICAL,
    description="The advisory data is dated after now: a wrong clock or forged data.",
)
SKIPPED = Rule(
    "GK-AUD-009",
    "Not audited: the project's own code",
    Severity.INFO,
    description="A directory or editable source inside the repository: the project's own code.",
)
RULES: tuple[Rule, ...] = (
    VULNERABLE,
    UNPINNED,
    INTERNAL,
    UNKNOWN,
    STALE,
    EXPIRED,
    NOTHING,
    FUTURE,
    SKIPPED,
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
    return {"package": dep.name, "version": dep.version, "source": dep.source}


def vulnerable(dep: Dependency, vuln: Vulnerability, fix: str | None, policy: Policy) -> Finding:
    severity = vuln.severity or policy.audit.unknown_severity
    assumed = "" if vuln.severity else f" (severity unknown: treated as {severity.value})"
    fixed = f"upgrade to {fix}" if fix else "no fixed version is known: waive it with a reason"
    resolved = "" if dep.pinned else ", resolved today"
    others = f" ({', '.join(vuln.aliases)})" if vuln.aliases else ""
    return VULNERABLE.finding(
        f"{dep.raw_name or dep.name} {dep.version} ({dep.scope}{resolved}) is affected by "
        f"{vuln.id}{others}: {vuln.summary or 'no summary'}{assumed}; {fixed}",
        dep.name,
        vuln.id,
        dep.scope,
        location=dep.location,
        severity=severity,
        scope=dep.scope,
        ids=tuple(vuln.ids),
        data={
            **_base(dep),
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
    return UNPINNED.finding(
        f"{dep.raw_name or dep.name}{spec} ({dep.scope}) {why}: "
        "the audit cannot know what gets installed; pin it (==) or use a lockfile",
        dep.name,
        dep.scope,
        location=dep.location,
        severity=severity,
        scope=dep.scope,
        data={
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
    return SKIPPED.finding(
        f"{excerpt(skip.name)} is not audited: {skip.reason}",
        skip.name,
        skip.location.path,
        location=skip.location,
        data={"package": skip.name, "reason": skip.reason},
    )


def nothing_audited(root: Path, files: Sequence[str]) -> Finding:
    where = (
        f"{len(files)} dependency file(s) name none the target installs"
        if files
        else "no dependency file found"
    )
    return NOTHING.finding(
        f"no dependency was audited ({where}) although {root.name or root} is a Python project: "
        "list the lockfile in audit.files (requirements format, pylock.toml, uv.lock or "
        "poetry.lock), or waive this finding with a reason if the project has no dependencies",
        "nothing-audited",
        location=Location(files[0]) if files else None,
        data={"files": list(files)},
    )


def internal(dep: Dependency, how: str) -> Finding:
    return INTERNAL.finding(
        f"{dep.raw_name or dep.name} is internal ({how}): public advisories do not cover it",
        dep.name,
        location=dep.location,
        scope=dep.scope,
        data=_base(dep),
    )


def unknown(dep: Dependency, index: str) -> Finding:
    return UNKNOWN.finding(
        f"{dep.raw_name or dep.name} exists neither on the internal index nor on {index}: a "
        "typo, a removed package, or a name an attacker can register",
        dep.name,
        location=dep.location,
        scope=dep.scope,
        data=_base(dep),
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
                self._internal = _index(url).projects()
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


@functools.cache
def _index(url: str) -> IndexClient:
    """One client (one connection pool) per index for the whole run."""
    from gatekeeper.deps.index import IndexClient

    return IndexClient(url)


def _on_index(url: str, dep: Dependency) -> bool:
    return _index(url).versions(dep.name) is not None


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
            FUTURE.finding(
                f"the advisory database is dated in the future ({synced}): a wrong clock or "
                "forged data, so its age cannot be trusted; fix the clock and run "
                "`gatekeeper advisories sync`",
                "advisory-db",
                location=where,
                data=data,
            )
        ]
    if state is Freshness.STALE:
        return [
            STALE.finding(
                f"the advisory database is {days:.1f} days old ({synced}; warn after "
                f"{policy.audit.max_age_days}): run `gatekeeper advisories sync`",
                "advisory-db",
                location=where,
                data=data,
            )
        ]
    return [
        EXPIRED.finding(
            f"the advisory database is {days:.1f} days old ({synced}; limit "
            f"{policy.audit.hard_max_age_days}): new vulnerabilities would be missed; run "
            "`gatekeeper advisories sync`",
            "advisory-db",
            location=where,
            data=data,
        )
    ]


class AuditGate(Gate):
    name: ClassVar[str] = "audit"
    description: ClassVar[str] = "dependencies against the OSV advisory database"
    rules: ClassVar[tuple[Rule, ...]] = RULES

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
            vulnerable=len({f.data["package"] for f in findings if f.rule_id == VULNERABLE.id}),
        )

    def baseline(self, ctx: GateContext) -> Counts | None:
        """The dependency findings at ``ctx.base_ref`` (counted), read with ``git show``.

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
            return counts(())
        found = DependencyAudit(self._open(ctx), ctx.policy).findings(deps)
        return counts(found)
