"""``poetry.lock`` (lock format 1.x and 2.x). ``category = "dev"`` (1.x) or ``groups`` without
``main`` (2.1) is dev; entries that say neither are prod (fail closed). A package's ``markers``
(a string, or per group in 2.1) is evaluated on the target: a package whose marker is false for
every group that installs it is counted in ``not_for_target``. ``directory`` sources inside the
repository are the project's own code (skipped and reported)."""

from __future__ import annotations

import posixpath

from gatekeeper.deps.discover import inside_repository
from gatekeeper.deps.interface import Dependency, ParseContext, Reader, Skipped
from gatekeeper.deps.locks_common import check_version, entries, locked, scope_of
from gatekeeper.deps.markers import marker_holds
from gatekeeper.deps.toml_util import LineFinder, Table, load_toml
from gatekeeper.errors import LockfileError
from gatekeeper.model import Location

SOURCE = "poetry.lock"


def _groups(entry: Table) -> list[str]:
    if entry.get("category") == "dev":
        return ["dev"]
    if "groups" not in entry.data:
        return ["main"]
    return entry.strings("groups") or ["main"]  # no group named: prod (fail closed)


def _markers(entry: Table, groups: list[str]) -> dict[str, str | None]:
    """Group → the marker it installs the package under (None: unconditionally)."""
    value = entry.get("markers")
    if isinstance(value, dict):
        table = entry.table("markers")
        return {group: table.string(group) for group in groups}
    return dict.fromkeys(groups, entry.string("markers"))


def _hashes(entry: Table) -> tuple[str, ...]:
    return tuple(h for f in entry.tables("files") if (h := f.string("hash")) is not None)


def _local(entry: Table, path: str, line: int) -> Skipped | None:
    source = entry.table("source")
    where = source.string("url")
    if source.string("type") != "directory" or where is None:
        return None
    if inside_repository(posixpath.join(posixpath.dirname(path), where)) is None:
        return None  # someone else's code outside the repository: audited by its version
    return Skipped(
        name=entry.data["name"],
        reason=f"a local directory ({where}) in the repository: the project's own code",
        location=Location(path, line),
    )


def parse_poetry_lock(
    path: str, reader: Reader, *, context: ParseContext | None = None
) -> list[Dependency]:
    context = context if context is not None else ParseContext()
    text = reader(path)
    if text is None:
        raise LockfileError("lock file not found", path=path)
    finder = LineFinder(text)
    data = Table(load_toml(text, path), path, "", finder)
    check_version(data.table("metadata").get("lock-version"), (1, 2), path, finder, "lock-version")
    deps: list[Dependency] = []
    line = 1
    for entry in entries(data, "package"):
        line = finder.assignment("name", entry.data["name"], line)
        skipped = _local(entry, path, line)
        if skipped is not None:
            context.skipped.append(skipped)
            continue
        groups = _groups(entry)
        markers = _markers(entry, groups)
        held = [g for g, m in markers.items() if m is None or marker_holds(m, context.environment)]
        if not held:
            context.not_for_target += 1
            continue
        scope = scope_of("main" not in held)
        marker = markers.get("main") if "main" in held else markers[held[0]]
        deps.append(locked(entry, path, line, scope, SOURCE, _hashes(entry), marker))
    return deps
