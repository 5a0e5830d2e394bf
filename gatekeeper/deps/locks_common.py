"""Pieces shared by the lockfile sources (pylock.toml, uv.lock, poetry.lock)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from gatekeeper.deps.interface import DEV, PROD, Dependency, Scope
from gatekeeper.deps.toml_util import LineFinder, Table
from gatekeeper.errors import LockfileError
from gatekeeper.model import Location


def check_version(
    value: Any, supported: Iterable[int], path: str, finder: LineFinder, key: str
) -> None:
    """Refuse a lock format version we do not know: guessing could lose dependencies."""
    major = str(value).split(".", 1)[0] if isinstance(value, str | int) else ""
    if not major.isdigit() or int(major) not in set(supported):
        line = finder.header(rf"^\s*{key}\s*=")
        known = ", ".join(str(v) for v in supported)
        raise LockfileError(
            f"unsupported lock format version {value!r} (known major versions: {known})",
            path=path,
            line=line,
            hint="upgrade gatekeeper or regenerate the lock with a supported tool version",
        )


def entries(data: Table, key: str) -> list[Table]:
    """The ``[[key]]`` array of tables, each with a string ``name``."""
    value = data.tables(key)
    for index, entry in enumerate(value):
        if not isinstance(entry.get("name"), str) or not entry.get("name"):
            raise LockfileError(f"[[{key}]] entry {index + 1} has no name", path=data.path)
    return value


def locked(
    entry: Table,
    path: str,
    line: int,
    scope: Scope,
    source: str,
    hashes: tuple[str, ...],
    marker: str | None = None,
) -> Dependency:
    """The dependency one lock entry pins; ``marker`` is the condition the target installs it
    under, when the lock says one (kept for the report; it is evaluated while parsing)."""
    name = str(entry.data["name"])
    version = entry.string("version")
    return Dependency(
        name=Dependency.normalize(name),
        version=version,
        specifier=f"=={version}" if version else "",
        pinned=version is not None,
        scope=scope,
        location=Location(path, line),
        source=source,
        hashes=hashes,
        raw_name=name,
        marker=marker,
    )


def scope_of(dev: bool) -> Scope:
    return DEV if dev else PROD
