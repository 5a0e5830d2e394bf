"""The ``supply_chain`` gate: what a repository's dependencies could let in.

Rules: the constants below (see docs/supply_chain.md). Every dependency comes from the audit's
own discovery (:func:`gatekeeper.deps.selection.dependencies`). Fingerprints hold names, kinds
and URLs, never line numbers.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, ClassVar, Protocol

from gatekeeper.baseline import Counts, counts
from gatekeeper.deps.discover import LOCK_KINDS, has_python_project, kind_of, working_tree_reader
from gatekeeper.deps.interface import Dependency, ParseContext, Reader
from gatekeeper.deps.selection import audit_files, dependencies
from gatekeeper.excerpt import excerpt, mask_credentials
from gatekeeper.gates.audit import is_internal
from gatekeeper.gates.interface import Gate, GateContext
from gatekeeper.gates.supply_chain import indexes
from gatekeeper.gates.supply_chain.typosquat import resembles
from gatekeeper.model import Finding, GateResult, Location, Rule, Severity

if TYPE_CHECKING:
    from gatekeeper.deps.index import IndexClient
    from gatekeeper.policy.model import Policy

TYPOSQUAT = Rule(
    "GK-SUP-001",
    "Dependency name resembles a popular package",
    Severity.HIGH,
    cwe=1357,
    description="A dependency one typosquatting mutation away from a popular PyPI name (an "
    "edit, separators, repeated characters, swapped words, homoglyphs, a prefix or suffix) "
    "and not popular itself.",
)
DENYLISTED = Rule(
    "GK-SUP-002",
    "Known-malicious package",
    Severity.CRITICAL,
    cwe=506,
    description="A dependency named in `supply_chain.denylist`.",
)
UNPINNED = Rule(
    "GK-SUP-003",
    "Application dependency not pinned exactly",
    Severity.HIGH,
    cwe=1357,
    description="An application (`audit.application`) dependency neither pinned with `==` "
    "nor locked.",
)
NO_HASH = Rule(
    "GK-SUP-004",
    "Requirement without --hash",
    Severity.HIGH,
    cwe=494,
    description="A requirements line without `--hash` when `supply_chain.require_hashes` is "
    "set for an application.",
)
DIRECT_URL = Rule(
    "GK-SUP-005",
    "Direct URL or VCS dependency",
    Severity.HIGH,
    cwe=829,
    description="An application dependency installed from a URL, a VCS or a directory "
    "outside the repository instead of an index.",
)
CONFUSION = Rule(
    "GK-SUP-006",
    "Internal name exists on the public index",
    Severity.CRITICAL,
    cwe=427,
    description="A dependency matching `internal.prefixes` that the public index serves: "
    "dependency confusion.",
)
EXTRA_INDEX = Rule(
    "GK-SUP-007",
    "Extra index committed",
    Severity.HIGH,
    cwe=427,
    description="An `--extra-index-url` (requirements file, pip.conf) or extra `[[index]]` "
    "(uv.toml) in the repository: the highest version across indexes wins.",
)
BUDGET = Rule(
    "GK-SUP-008",
    "Dependency budget exceeded",
    Severity.MEDIUM,
    description="More direct dependencies than `supply_chain.max_dependencies`, or more "
    "transitive ones (from a lockfile) than `supply_chain.max_transitive`.",
)
SKIPPED_FILE = Rule(
    "GK-SUP-009",
    "Index configuration not read",
    Severity.INFO,
    description="A pip.conf, uv.toml or requirements file skipped: binary, too large, not "
    "UTF-8, malformed, or a symlink out of the repository.",
)
RULES: tuple[Rule, ...] = (
    TYPOSQUAT,
    DENYLISTED,
    UNPINNED,
    NO_HASH,
    DIRECT_URL,
    CONFUSION,
    EXTRA_INDEX,
    BUDGET,
    SKIPPED_FILE,
)


def _data(dep: Dependency) -> dict[str, object]:
    return {"package": dep.name, "version": dep.version, "source": dep.source}


def _shown(dep: Dependency) -> str:
    return excerpt(dep.raw_name or dep.name)


def names(deps: Iterable[Dependency], policy: Policy) -> list[Finding]:
    """Denylisted names and typosquats, once per name (at its prod use when it has one)."""
    sc = policy.supply_chain
    denied = {Dependency.normalize(n) for n in sc.denylist}
    allowed = frozenset(Dependency.normalize(n) for n in sc.allow)
    out: list[Finding] = []
    seen: set[str] = set()
    for dep in sorted(deps, key=lambda d: d.scope != "prod"):
        if dep.name in seen or is_internal(dep.name, policy.internal.prefixes):
            continue
        seen.add(dep.name)
        if dep.name in denied:
            out.append(
                DENYLISTED.finding(
                    f"{_shown(dep)} ({dep.scope}) is a known-malicious package "
                    "(supply_chain.denylist): remove it and treat the machines that installed "
                    "it as compromised",
                    dep.name,
                    location=dep.location,
                    scope=dep.scope,
                    data=_data(dep),
                )
            )
            continue
        match = resembles(dep.name, sc.popular, allowed)
        if match is not None:
            out.append(
                TYPOSQUAT.finding(
                    f"{_shown(dep)} ({dep.scope}) resembles the popular package "
                    f"{match.target} (download rank {match.rank}; {match.kind}): a typosquat? "
                    f"Use {match.target}, or add {dep.name} to supply_chain.allow once checked",
                    dep.name,
                    match.target,
                    location=dep.location,
                    scope=dep.scope,
                    data={
                        **_data(dep),
                        "resembles": match.target,
                        "rank": match.rank,
                        "mutation": match.kind,
                    },
                )
            )
    return out


def pinning(deps: Iterable[Dependency], policy: Policy) -> list[Finding]:
    """For an application: unpinned, hashless and URL dependencies."""
    if not policy.audit.application:
        return []
    out: list[Finding] = []
    for dep in deps:
        if dep.url is not None:
            url = mask_credentials(dep.url)
            out.append(
                DIRECT_URL.finding(
                    f"{_shown(dep)} ({dep.scope}) is installed from {excerpt(url)}, not from an "
                    "index: nothing pins what it installs; publish it and pin a version",
                    dep.name,
                    url,
                    location=dep.location,
                    scope=dep.scope,
                    data={**_data(dep), "url": url},
                )
            )
        elif not dep.pinned:
            out.append(
                UNPINNED.finding(
                    f"{_shown(dep)}{excerpt(dep.specifier)} ({dep.scope}) is not pinned: an "
                    "application pins every dependency exactly (==) or locks it",
                    dep.name,
                    dep.scope,
                    location=dep.location,
                    scope=dep.scope,
                    data={**_data(dep), "specifier": dep.specifier},
                )
            )
        if policy.supply_chain.require_hashes and dep.source == "requirements" and not dep.hashes:
            out.append(
                NO_HASH.finding(
                    f"{_shown(dep)} ({dep.scope}) has no --hash: pip cannot check what it "
                    "downloads (supply_chain.require_hashes)",
                    dep.name,
                    dep.scope,
                    location=dep.location,
                    scope=dep.scope,
                    data=_data(dep),
                )
            )
    return out


class Index(Protocol):
    """What :func:`confusion` asks of a package index (an ``IndexClient``)."""

    url: str

    def versions(self, name: str) -> Sequence[object] | None: ...


def confusion(deps: Iterable[Dependency], policy: Policy, client: Index) -> list[Finding]:
    """Internal names (``internal.prefixes``) the public index serves."""
    out: list[Finding] = []
    seen: set[str] = set()
    for dep in deps:
        if dep.name in seen or not is_internal(dep.name, policy.internal.prefixes):
            continue
        seen.add(dep.name)
        versions = client.versions(dep.name)
        if versions is None:
            continue
        from gatekeeper.net.urls import redact

        index = redact(client.url)
        newest = str(versions[-1]) if versions else None
        out.append(
            CONFUSION.finding(
                f"{_shown(dep)} is internal (internal.prefixes) but {index} serves it "
                f"({len(versions)} version(s){f', newest {newest}' if newest else ''}): "
                "dependency confusion; install it only from the internal index and claim the "
                "name on the public one",
                dep.name,
                location=dep.location,
                scope=dep.scope,
                data={**_data(dep), "index": index, "public_versions": len(versions)},
            )
        )
    return out


def extra_indexes(scan: indexes.Scan) -> list[Finding]:
    out = [
        EXTRA_INDEX.finding(
            f"{found.how} {excerpt(found.url)} is committed in {found.location.path}: pip "
            "merges extra indexes and installs the highest version any of them serves, so a "
            "public package can replace an internal one; use one index (a proxy such as devpi)",
            found.location.path,
            found.how,
            found.url,
            location=found.location,
            data={"url": found.url, "setting": found.how},
        )
        for found in scan.found
    ]
    out += [
        SKIPPED_FILE.finding(
            f"{path} was not read ({why}): its index settings are unchecked",
            path,
            location=Location(path),
            data={"reason": why},
        )
        for path, why in sorted(scan.skipped.items())
    ]
    return out


def budget(
    direct: Sequence[Dependency], locked: Sequence[Dependency] | None, policy: Policy
) -> tuple[list[Finding], int, int | None]:
    """Budget findings, the direct count and the transitive count (None: no lockfile)."""
    sc = policy.supply_chain
    direct_names = {d.name for d in direct}
    transitive = None if locked is None else len({d.name for d in locked} - direct_names)
    out: list[Finding] = []
    if sc.max_dependencies is not None and len(direct_names) > sc.max_dependencies:
        out.append(
            BUDGET.finding(
                f"{len(direct_names)} direct dependencies, more than the budget of "
                f"{sc.max_dependencies} (supply_chain.max_dependencies): each one is code "
                "that can turn malicious; drop some",
                "direct",
                data={"count": len(direct_names), "limit": sc.max_dependencies},
            )
        )
    if sc.max_transitive is not None and transitive is not None and transitive > sc.max_transitive:
        out.append(
            BUDGET.finding(
                f"{transitive} transitive dependencies in the lockfile, more than the budget "
                f"of {sc.max_transitive} (supply_chain.max_transitive)",
                "transitive",
                data={"count": transitive, "limit": sc.max_transitive},
            )
        )
    return out, len(direct_names), transitive


def public_index(policy: Policy) -> str:
    from gatekeeper.deps.index import PYPI_SIMPLE

    return policy.supply_chain.public_index_url or policy.audit.index_url or PYPI_SIMPLE


class SupplyChainGate(Gate):
    name: ClassVar[str] = "supply_chain"
    description: ClassVar[str] = (
        "typosquats, malicious names, pinning, dependency confusion and the dependency budget"
    )
    rules: ClassVar[tuple[Rule, ...]] = RULES

    def __init__(self, client: IndexClient | None = None) -> None:
        self._client = client

    def _index(self, policy: Policy) -> IndexClient:
        if self._client is None:
            from gatekeeper.deps.index import IndexClient

            self._client = IndexClient(public_index(policy))
        return self._client

    def run(self, ctx: GateContext) -> GateResult:
        policy = ctx.policy
        context = ParseContext(environment=policy.audit.environment)
        files = audit_files(ctx.root, policy)
        deps = dependencies(ctx.root, policy, context=context, files=files)
        if not deps and not files and not has_python_project(ctx.root):
            return GateResult.skip("no Python project here: no dependency to check")
        findings, metrics = self._inspect(
            policy, files, deps, working_tree_reader(ctx.root), indexes.tree_text(ctx.root)
        )
        return GateResult.ok(findings, **metrics)

    def baseline(self, ctx: GateContext) -> Counts | None:
        """PR mode: the findings (counted per fingerprint) the dependency files had at
        ``ctx.base_ref``, each read with ``git show`` (bounded, no checkout) and checked the
        same way. The files are those checked now (one missing at the base contributes
        nothing); base files that cannot be parsed declare no dependency there. The public
        index is not asked about the base: an internal name that was a dependency at the base
        counts its confusion finding as pre-existing."""
        if ctx.base_ref is None:
            return None
        from gatekeeper.errors import LockfileError
        from gatekeeper.gates.audit import git_reader

        policy = ctx.policy
        reader = git_reader(ctx.git, ctx.base_ref)
        files = [f for f in audit_files(ctx.root, policy) if reader(f) is not None]
        try:
            context = ParseContext(environment=policy.audit.environment)
            deps = dependencies(ctx.root, policy, reader, context, files=files)
        except LockfileError:
            deps = []
        text = indexes.git_text(ctx.git, ctx.base_ref)
        findings, _ = self._inspect(policy, files, deps, reader, text, public=False)
        return counts(findings)

    def _inspect(
        self,
        policy: Policy,
        files: Sequence[str],
        deps: Sequence[Dependency],
        reader: Reader,
        text: indexes.TextReader,
        public: bool = True,
    ) -> tuple[list[Finding], dict[str, int | None]]:
        """The findings about ``deps`` declared by ``files`` (read with ``reader`` and
        ``text``), and the metrics; ``public``: ask the public index about internal names,
        else count each one as served there."""
        findings = names(deps, policy) + pinning(deps, policy)
        if any(is_internal(d.name, policy.internal.prefixes) for d in deps):
            findings += confusion(deps, policy, self._index(policy) if public else _Served())
        requirements = sorted(
            {d.location.path for d in deps if d.source == "requirements"}
            | {f for f in files if kind_of(f) == "requirements"}
        )
        scan = indexes.scan(text, requirements)
        findings += extra_indexes(scan)
        locked = [d for d in deps if d.source in LOCK_KINDS]
        direct = _direct(files, deps, reader) if locked else deps
        found, direct_count, transitive = budget(direct, locked or None, policy)
        findings += found
        metrics = {
            "dependencies": len({d.name for d in deps}),
            "direct": direct_count,
            "transitive": transitive,
            "files": len(files),
            "skipped_files": len(scan.skipped),
        }
        return findings, metrics


class _Served:
    """Stands in for the public index at the base: every name is served (no request made)."""

    url = "the public index"

    def versions(self, name: str) -> list[object]:
        return []


def _direct(files: Sequence[str], deps: Sequence[Dependency], reader: Reader) -> list[Dependency]:
    """The direct dependencies when a lockfile is audited: what ``pyproject.toml`` declares
    (the lock resolves its ranges), else what the requirements files name."""
    if "pyproject.toml" in files:
        from gatekeeper.deps.pyproject import parse_pyproject

        return parse_pyproject("pyproject.toml", reader)
    return [d for d in deps if d.source not in LOCK_KINDS]
