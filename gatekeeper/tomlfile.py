"""TOML files: read them safely, parse with line-numbered errors, merge, find a key's line.

tomllib keeps no line numbers and reports a syntax error's position only inside its message;
these helpers give every TOML consumer (the policy, service config files, lockfiles) the same
file-and-line errors.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Container, Mapping, Sequence
from pathlib import Path
from typing import Any

from gatekeeper.errors import InputError

#: Larger files are refused: a configuration file is a few kilobytes.
MAX_BYTES = 1 << 20

_POSITION = re.compile(r"\s*\(at line (\d+), column \d+\)")


def read_text(path: Path, limit: int = MAX_BYTES) -> str:
    """The UTF-8 text of the regular file at ``path`` (:func:`gatekeeper.fsutil.read_bounded`);
    bad UTF-8 raises UnicodeDecodeError."""
    from gatekeeper.fsutil import read_bounded

    return read_bounded(path, limit).decode("utf-8")


def read_error(exc: OSError | UnicodeDecodeError) -> str:
    """Why :func:`read_text` failed, in a few words (never the file's content)."""
    if isinstance(exc, UnicodeDecodeError):
        return "not UTF-8"
    return exc.strerror or exc.__class__.__name__


def loads(text: str, path: str, error: type[InputError]) -> dict[str, Any]:
    """Parse ``text``; a syntax error raises ``error`` naming ``path`` and the line."""
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        match = _POSITION.search(message)
        line = int(match.group(1)) if match else None
        raise error(f"malformed TOML: {_POSITION.sub('', message)}", path=path, line=line) from None


def merge(
    base: Mapping[str, Any], overlay: Mapping[str, Any], append: Container[str] = ()
) -> dict[str, Any]:
    """Deep-merge ``overlay`` onto ``base``: tables merge key by key, recursively; any other value
    replaces the one below it, except arrays under a key in ``append``, which are concatenated."""
    merged = dict(base)
    for key, value in overlay.items():
        current = merged.get(key)
        if isinstance(current, Mapping) and isinstance(value, Mapping):
            merged[key] = merge(current, value, append)
        elif key in append and isinstance(current, list) and isinstance(value, list):
            merged[key] = [*current, *value]
        else:
            merged[key] = value
    return merged


def locate(text: str, loc: Sequence[str | int], prefix: Sequence[str] = ()) -> int | None:
    """Best-effort line number of the key at ``loc`` in a TOML document.

    Finds the table header for the leading keys (``[a.b]`` or the n-th ``[[a]]``), then the key
    itself below it. Returns the header's line when the key is absent (a missing required key).
    """
    keys = [*prefix, *loc]
    lines = text.splitlines()
    start, table = 0, []
    # Walk down the path as far as table headers go.
    for depth in range(len(keys), 0, -1):
        head = keys[:depth]
        if isinstance(head[-1], int):
            index, name = head[-1], ".".join(str(k) for k in head[:-1])
            pattern = re.compile(rf"^\s*\[\[\s*{re.escape(name)}\s*\]\]")
            hits = [i for i, line in enumerate(lines) if pattern.match(line)]
            if index < len(hits):
                start, table = hits[index], head
                break
        else:
            name = ".".join(str(k) for k in head)
            pattern = re.compile(rf"^\s*\[\s*{re.escape(name)}\s*\]")
            hit = next((i for i, line in enumerate(lines) if pattern.match(line)), None)
            if hit is not None:
                start, table = hit, head
                break
    rest = [k for k in keys[len(table) :] if isinstance(k, str)]
    if rest:
        key = re.compile(rf"^\s*[\"']?{re.escape(rest[0])}[\"']?\s*[.=]")
        for i in range(start + 1 if table else 0, len(lines)):
            if table and lines[i].lstrip().startswith("["):
                break
            if key.match(lines[i]):
                return i + 1
    return start + 1 if table else None
