"""``pylock.toml`` (PEP 751). Packages whose marker selects them only for extras or dependency
groups that are not default groups are dev; local directory packages (the project) are skipped.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

from gatekeeper.deps.interface import Dependency, Reader
from gatekeeper.deps.locks_common import check_version, entries, locked, scope_of
from gatekeeper.deps.toml_util import LineFinder, load_toml
from gatekeeper.errors import LockfileError

SOURCE = "pylock"
_GROUP_REF = re.compile(r"['\"]([^'\"]+)['\"]\s+(?:not\s+)?in\s+(dependency_groups|extras)")


def _hashes(entry: dict[str, Any]) -> tuple[str, ...]:
    found: list[str] = []
    artifacts = list(entry.get("wheels", []) or [])
    artifacts += [entry[k] for k in ("sdist", "archive") if isinstance(entry.get(k), dict)]
    for artifact in artifacts:
        hashes = artifact.get("hashes", {}) if isinstance(artifact, dict) else {}
        found += [f"{algo}:{digest}" for algo, digest in sorted(hashes.items())]
    return tuple(found)


def _is_dev(marker: Any, default_groups: set[str]) -> bool:
    if not isinstance(marker, str):
        return False
    refs = _GROUP_REF.findall(marker)
    return bool(refs) and not any(name in default_groups for name, _ in refs)


def parse_pylock(path: str, reader: Reader) -> list[Dependency]:
    text = reader(path)
    if text is None:
        raise LockfileError("lock file not found", path=path)
    data = load_toml(text, path)
    finder = LineFinder(text)
    check_version(data.get("lock-version"), (1,), path, finder, "lock-version")
    default_groups = {str(g) for g in data.get("default-groups", []) or []}
    deps: list[Dependency] = []
    line = 1
    for entry in entries(data, "packages", path):
        line = finder.assignment("name", entry["name"], line)
        if "directory" in entry and "version" not in entry:
            continue  # the project itself or a local checkout: not a third-party dependency
        scope = scope_of(_is_dev(entry.get("marker"), default_groups))
        dep = locked(entry, path, line, scope, SOURCE, _hashes(entry))
        if dep.version is None:
            url = entry.get("vcs", {}).get("url") if isinstance(entry.get("vcs"), dict) else None
            dep = replace(dep, url=url or "unversioned lock entry")
        deps.append(dep)
    return deps
