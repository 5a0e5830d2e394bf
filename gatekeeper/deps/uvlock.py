"""``uv.lock``. Workspace members (``editable`` or ``virtual`` sources) are the project, not
dependencies. Prod is every package reachable from their ``dependencies``, walking the lock's
graph with the extras each edge asks for (``{ name = "uvicorn", extra = ["standard"] }`` brings
in uvicorn's ``[package.optional-dependencies] standard``) and only through edges whose marker
holds on the target; dev is what their dev groups and extras reach besides. A package only
reachable through edges whose marker is false is not installed on the target (counted in
``not_for_target``); one no edge reaches is dev. Without a member nothing tells dev apart, so
everything is prod (fail closed). ``directory`` sources inside the repository are the project's
own code (skipped and reported); one outside it is an unpinned dependency.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterable
from dataclasses import dataclass, replace

from gatekeeper.deps.discover import inside_repository
from gatekeeper.deps.interface import Dependency, ParseContext, Reader, Skipped
from gatekeeper.deps.locks_common import check_version, entries, locked, scope_of
from gatekeeper.deps.markers import marker_holds
from gatekeeper.deps.toml_util import LineFinder, Table, load_toml
from gatekeeper.errors import LockfileError
from gatekeeper.model import Location

SOURCE = "uv.lock"
_ROOT_SOURCES = ("editable", "virtual")


@dataclass(frozen=True, slots=True)
class _Edge:
    name: str
    version: str | None
    extras: tuple[str, ...]
    marker: str | None


def _edges(table: Table, key: str) -> list[_Edge]:
    out = []
    for item in table.tables(key):
        name = item.string("name")
        if not name:
            raise item.error(f"{item.where}.name", "a non-empty string")
        out.append(
            _Edge(
                Dependency.normalize(name),
                item.string("version"),
                tuple(item.strings("extra")),
                item.string("marker"),
            )
        )
    return out


def _groups(table: Table) -> dict[str, list[_Edge]]:
    return {group: _edges(table, group) for group in table.data}


@dataclass
class _Package:
    entry: Table
    name: str
    version: str | None
    source: Table
    dependencies: list[_Edge]
    extras: dict[str, list[_Edge]]
    dev: dict[str, list[_Edge]]

    @property
    def is_root(self) -> bool:
        return any(k in self.source.data for k in _ROOT_SOURCES)


def _package(entry: Table) -> _Package:
    return _Package(
        entry=entry,
        name=Dependency.normalize(entry.data["name"]),
        version=entry.string("version"),
        source=entry.table("source"),
        dependencies=_edges(entry, "dependencies"),
        extras=_groups(entry.table("optional-dependencies")),
        dev=_groups(entry.table("dev-dependencies")),
    )


class _Graph:
    def __init__(self, packages: list[_Package], context: ParseContext) -> None:
        self.packages = packages
        self.context = context
        self.by_name: dict[str, list[int]] = {}
        for index, package in enumerate(packages):
            self.by_name.setdefault(package.name, []).append(index)

    def _targets(self, edge: _Edge) -> list[int]:
        found = self.by_name.get(edge.name, [])
        if edge.version is not None:
            found = [i for i in found if self.packages[i].version == edge.version] or found
        return found

    def reach(self, edges: Iterable[_Edge], markers: bool) -> set[int]:
        """Packages reachable through ``edges`` (extras included); ``markers``: only through
        edges whose marker holds on the target."""
        seen: set[tuple[int, str | None]] = set()
        stack = list(edges)
        while stack:
            edge = stack.pop()
            if markers and edge.marker and not marker_holds(edge.marker, self.context.environment):
                continue
            for index in self._targets(edge):
                package = self.packages[index]
                for extra in (None, *edge.extras):
                    if (index, extra) in seen:
                        continue
                    seen.add((index, extra))
                    if extra is None:
                        stack.extend(package.dependencies)
                    else:
                        stack.extend(package.extras.get(extra, ()))
        return {index for index, _ in seen}


def _local(package: _Package, path: str, line: int) -> Dependency | Skipped | None:
    """A ``directory`` source: skipped inside the repository, unpinned outside it."""
    where = package.source.string("directory")
    if where is None:
        return None
    if inside_repository(posixpath.join(posixpath.dirname(path), where)) is not None:
        return Skipped(
            name=package.entry.data["name"],
            reason=f"a local directory ({where}) in the repository: the project's own code",
            location=Location(path, line),
        )
    return Dependency(
        name=package.name,
        version=None,
        specifier="",
        pinned=False,
        scope=scope_of(False),
        location=Location(path, line),
        source=SOURCE,
        raw_name=package.entry.data["name"],
        url=f"directory {where}",
    )


def parse_uv_lock(
    path: str, reader: Reader, *, context: ParseContext | None = None
) -> list[Dependency]:
    context = context if context is not None else ParseContext()
    text = reader(path)
    if text is None:
        raise LockfileError("lock file not found", path=path)
    finder = LineFinder(text)
    data = Table(load_toml(text, path), path, "", finder)
    check_version(data.get("version"), (1,), path, finder, "version")
    packages = [_package(entry) for entry in entries(data, "package")]
    graph = _Graph(packages, context)
    roots = [p for p in packages if p.is_root]
    prod_edges = [e for r in roots for e in r.dependencies]
    dev_edges = [
        e for r in roots for group in (r.extras, r.dev) for es in group.values() for e in es
    ]
    if roots:
        prod = graph.reach(prod_edges, markers=True)
        dev = graph.reach(dev_edges, markers=True) - prod
        edged = graph.reach(prod_edges + dev_edges, markers=False)
    else:  # no project entry: nothing tells dev apart, so everything is prod (fail closed)
        prod, dev, edged = set(range(len(packages))), set(), set()
    deps: list[Dependency] = []
    line = 1
    for index, package in enumerate(packages):
        line = finder.assignment("name", package.entry.data["name"], line)
        if package.is_root:
            continue
        local = _local(package, path, line)
        if isinstance(local, Skipped):
            context.skipped.append(local)
            continue
        if index not in prod and index not in dev and index in edged:
            context.not_for_target += 1
            continue
        dep = local or locked(
            package.entry, path, line, scope_of(index not in prod), SOURCE, _hashes(package)
        )
        if dep.version is None and dep.url is None:
            dep = replace(dep, url=_source_url(package.source))
        deps.append(replace(dep, scope=scope_of(index not in prod)))
    return deps


def _source_url(source: Table) -> str:
    for key in ("git", "url", "path"):
        value = source.string(key)
        if value is not None:
            return value
    return "unversioned lock entry"


def _hashes(package: _Package) -> tuple[str, ...]:
    artifacts = package.entry.tables("wheels")
    if "sdist" in package.entry.data:
        artifacts.append(package.entry.table("sdist"))
    return tuple(h for a in artifacts if (h := a.string("hash")) is not None)
