"""Shared helpers for the TOML-based sources: parse with a file+line error, find a key's line."""

from __future__ import annotations

import re
from typing import Any

from gatekeeper.errors import LockfileError
from gatekeeper.tomlfile import loads


def load_toml(text: str, path: str) -> dict[str, Any]:
    return loads(text, path, LockfileError)


class LineFinder:
    """Best-effort line numbers for values in a TOML document (tomllib keeps none).

    Searches forward from the previous hit, so entries listed in file order get their own line
    even when the same text appears twice.
    """

    def __init__(self, text: str) -> None:
        self.lines = text.splitlines()

    def _search(self, needle: str, start: int) -> int | None:
        order: tuple[int, ...] = (*range(start - 1, len(self.lines)), *range(0, start - 1))
        for index in order:
            if needle in self.lines[index]:
                return index + 1
        return None

    def find(self, needle: str, start: int = 1) -> int:
        """The 1-based line of ``needle`` at or after ``start`` (wrapping around); ``start``
        when it appears nowhere."""
        hit = self._search(needle, start)
        return start if hit is None else hit

    def quoted(self, value: str, start: int = 1) -> int:
        """The line of ``value`` as a quoted TOML string."""
        for quote in ('"', "'"):
            hit = self._search(f"{quote}{value}{quote}", start)
            if hit is not None:
                return hit
        return start

    def assignment(self, key: str, value: str, start: int = 1) -> int:
        """The line of ``key = "value"`` standing on its own line (a table entry's key)."""
        regex = re.compile(rf"^\s*{re.escape(key)}\s*=\s*[\"']{re.escape(value)}[\"']\s*$")
        for index in range(start - 1, len(self.lines)):
            if regex.match(self.lines[index]):
                return index + 1
        return start

    def header(self, pattern: str) -> int:
        """The line of the first line matching ``pattern`` (a table header), else 1."""
        regex = re.compile(pattern)
        for index, line in enumerate(self.lines):
            if regex.match(line):
                return index + 1
        return 1
