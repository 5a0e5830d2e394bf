"""``uv.lock``. The root project (an editable or virtual source) is not a dependency; packages
reachable from its ``dependencies`` are prod, everything else (dev groups, extras) is dev."""

from __future__ import annotations

from typing import Any

from gatekeeper.deps.interface import Dependency, Reader
from gatekeeper.deps.locks_common import check_version, closure, entries, locked, scope_of
from gatekeeper.deps.toml_util import LineFinder, load_toml
from gatekeeper.errors import LockfileError

SOURCE = "uv.lock"
_ROOT_SOURCES = ("editable", "virtual")


def _names(items: Any) -> list[str]:
    if not isinstance(items, list):
        return []
    return [Dependency.normalize(i["name"]) for i in items if isinstance(i, dict) and "name" in i]


def _hashes(entry: dict[str, Any]) -> tuple[str, ...]:
    artifacts = list(entry.get("wheels", []) or [])
    if isinstance(entry.get("sdist"), dict):
        artifacts.append(entry["sdist"])
    return tuple(str(a["hash"]) for a in artifacts if isinstance(a, dict) and "hash" in a)


def _is_root(entry: dict[str, Any]) -> bool:
    source = entry.get("source", {})
    return isinstance(source, dict) and any(k in source for k in _ROOT_SOURCES)


def parse_uv_lock(path: str, reader: Reader) -> list[Dependency]:
    text = reader(path)
    if text is None:
        raise LockfileError("lock file not found", path=path)
    data = load_toml(text, path)
    finder = LineFinder(text)
    check_version(data.get("version"), (1,), path, finder, "version")
    packages = entries(data, "package", path)
    edges = {Dependency.normalize(p["name"]): _names(p.get("dependencies")) for p in packages}
    roots = [p for p in packages if _is_root(p)]
    if roots:
        prod = closure((n for r in roots for n in _names(r.get("dependencies"))), edges)
    else:  # no project entry: nothing tells dev apart, so everything is prod (fail closed)
        prod = set(edges)
    deps: list[Dependency] = []
    line = 1
    for entry in packages:
        line = finder.assignment("name", entry["name"], line)
        if _is_root(entry):
            continue
        name = Dependency.normalize(entry["name"])
        deps.append(locked(entry, path, line, scope_of(name not in prod), SOURCE, _hashes(entry)))
    return deps
