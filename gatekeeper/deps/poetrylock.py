"""``poetry.lock`` (lock format 1.x and 2.x). ``category = "dev"`` (1.x) or ``groups`` without
``main`` (2.1) is dev; entries that say neither are prod (fail closed)."""

from __future__ import annotations

from typing import Any

from gatekeeper.deps.interface import Dependency, Reader
from gatekeeper.deps.locks_common import check_version, entries, locked, scope_of
from gatekeeper.deps.toml_util import LineFinder, load_toml
from gatekeeper.errors import LockfileError

SOURCE = "poetry.lock"


def _is_dev(entry: dict[str, Any]) -> bool:
    if entry.get("category") == "dev":
        return True
    groups = entry.get("groups")
    return isinstance(groups, list) and "main" not in groups


def _hashes(entry: dict[str, Any]) -> tuple[str, ...]:
    files = entry.get("files", [])
    return tuple(str(f["hash"]) for f in files if isinstance(f, dict) and "hash" in f)


def parse_poetry_lock(path: str, reader: Reader) -> list[Dependency]:
    text = reader(path)
    if text is None:
        raise LockfileError("lock file not found", path=path)
    data = load_toml(text, path)
    finder = LineFinder(text)
    metadata = data.get("metadata", {})
    version = metadata.get("lock-version") if isinstance(metadata, dict) else None
    check_version(version, (1, 2), path, finder, "lock-version")
    deps: list[Dependency] = []
    line = 1
    for entry in entries(data, "package", path):
        line = finder.assignment("name", entry["name"], line)
        deps.append(locked(entry, path, line, scope_of(_is_dev(entry)), SOURCE, _hashes(entry)))
    return deps
