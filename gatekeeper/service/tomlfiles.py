"""Read a service's ``config/*.toml`` files (merged with :func:`gatekeeper.tomlfile.merge`).

Merge rule (``default.toml`` first, then ``<env>.toml`` on top, then secrets and environment
variables on top of that): tables merge key by key, recursively; any other value (string, number,
boolean, date, array) replaces the value below it entirely. Arrays are never concatenated, and a
table replaces a scalar (and the other way round). TOML has no null, so an environment file cannot
delete a key; give the field a default in the model instead.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gatekeeper.errors import ConfigError
from gatekeeper.tomlfile import loads, read_error, read_text

DEFAULT = "default"
#: An environment name: what may follow ``config/`` and precede ``.toml``.
ENV_NAME = re.compile(r"^[a-z][a-z0-9_-]{0,39}$")


@dataclass(frozen=True)
class ConfigFile:
    """One parsed file. ``error`` (with ``line``) is set when it is not valid TOML."""

    path: Path
    data: Mapping[str, Any]
    text: str = ""
    error: str | None = None
    line: int | None = None


def environments(config_dir: Path) -> tuple[str, ...]:
    """The environments a service declares: every ``config/<env>.toml`` except ``default``."""
    if not config_dir.is_dir():
        return ()
    # Not only regular files: a FIFO, device or dangling symlink named like one is an
    # environment whose file cannot be read (an error), not an environment that is not there.
    names = (p.stem for p in config_dir.glob("*.toml") if not p.is_dir())
    return tuple(sorted(n for n in names if n != DEFAULT and ENV_NAME.match(n)))


def read(path: Path) -> ConfigFile:
    """Parse one TOML file; a malformed file is returned with ``error`` set, never raised."""
    try:
        text = read_text(path)
    except (OSError, UnicodeDecodeError) as exc:
        return ConfigFile(path, {}, error=f"cannot read file: {read_error(exc)}")
    try:
        return ConfigFile(path, loads(text, str(path), ConfigError), text)
    except ConfigError as exc:
        return ConfigFile(path, {}, text, error=exc.message, line=exc.line)


def leaves(data: Mapping[str, Any], prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """Every key path in ``data`` that does not lead to a table (iteratively, no recursion)."""
    found: list[tuple[str, ...]] = []
    stack: list[tuple[tuple[str, ...], Mapping[str, Any]]] = [(prefix, data)]
    while stack:
        path, table = stack.pop()
        for key, value in table.items():
            if isinstance(value, Mapping) and value:
                stack.append(((*path, str(key)), value))
            else:
                found.append((*path, str(key)))
    return found
