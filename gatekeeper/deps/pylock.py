"""``pylock.toml`` (PEP 751). A package's marker decides where it belongs, evaluated as a lock
file marker on the target environment: true with no extras and only the ``default-groups``
means prod (``"dev" not in dependency_groups`` is installed by default, so it is prod); true only
once its extras or other groups are selected means dev; false either way means the target never
installs it (counted in ``not_for_target``). Directory packages inside the repository (the
project) are skipped and reported; VCS, archive and outside-directory packages without a locked
version are unpinned URL dependencies.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import replace

from gatekeeper.deps.discover import inside_repository
from gatekeeper.deps.interface import Dependency, ParseContext, Reader, Scope, Skipped
from gatekeeper.deps.locks_common import check_version, entries, locked, scope_of
from gatekeeper.deps.markers import marker_holds
from gatekeeper.deps.toml_util import LineFinder, Table, load_toml
from gatekeeper.errors import LockfileError
from gatekeeper.model import Location

SOURCE = "pylock"
_GROUP_REF = re.compile(r"['\"]([^'\"]+)['\"]\s+(?:not\s+)?in\s+(?:dependency_groups|extras)")


def _hashes(entry: Table) -> tuple[str, ...]:
    found: list[str] = []
    artifacts = entry.tables("wheels")
    artifacts += [entry.table(k) for k in ("sdist", "archive") if k in entry.data]
    for artifact in artifacts:
        hashes = artifact.table("hashes").data
        found += [f"{algo}:{digest}" for algo, digest in sorted(hashes.items())]
    return tuple(found)


def _scope(marker: str | None, default_groups: set[str], context: ParseContext) -> Scope | None:
    """prod, dev, or None when the target never installs the package."""
    if marker is None:
        return scope_of(False)
    env = context.environment
    if marker_holds(marker, env, groups=default_groups):
        return scope_of(False)
    every = set(_GROUP_REF.findall(marker)) | default_groups
    if marker_holds(marker, env, extras=every, groups=every):
        return scope_of(True)
    return None


def _own_directory(entry: Table, path: str) -> str | None:
    """The path of a ``directory`` package inside the repository (the project's own code)."""
    where = entry.table("directory").string("path") if "directory" in entry.data else None
    if where is None or inside_repository(posixpath.join(posixpath.dirname(path), where)) is None:
        return None
    return where


def _url(entry: Table) -> str | None:
    for key in ("vcs", "archive", "directory"):
        if key in entry.data:
            source = entry.table(key)
            return source.string("url") or source.string("path") or f"{key} source"
    return None


def parse_pylock(
    path: str, reader: Reader, *, context: ParseContext | None = None
) -> list[Dependency]:
    context = context if context is not None else ParseContext()
    text = reader(path)
    if text is None:
        raise LockfileError("lock file not found", path=path)
    finder = LineFinder(text)
    data = Table(load_toml(text, path), path, "", finder)
    check_version(data.get("lock-version"), (1,), path, finder, "lock-version")
    default_groups = set(data.strings("default-groups"))
    deps: list[Dependency] = []
    line = 1
    for entry in entries(data, "packages"):
        name = entry.data["name"]
        line = finder.assignment("name", name, line)
        where = _own_directory(entry, path)
        if where is not None:
            context.skipped.append(
                Skipped(
                    name=name,
                    reason=f"a local directory ({where}): the project's own code",
                    location=Location(path, line),
                )
            )
            continue
        scope = _scope(entry.string("marker"), default_groups, context)
        if scope is None:
            context.not_for_target += 1
            continue
        dep = locked(entry, path, line, scope, SOURCE, _hashes(entry), entry.string("marker"))
        if dep.version is None:
            dep = replace(dep, url=_url(entry) or "unversioned lock entry")
        deps.append(dep)
    return deps
