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


_TYPE_NAMES = {str: "a string", list: "an array", dict: "a table", bool: "a boolean"}


class Table:
    """A TOML table read through type-checked getters: a value of the wrong type is a
    :class:`LockfileError` naming the file, the key and (best effort) the line, never a
    ``TypeError`` or ``AttributeError`` further down."""

    def __init__(self, data: dict[str, Any], path: str, where: str, finder: LineFinder) -> None:
        self.data = data
        self.path = path
        self.where = where
        self.finder = finder

    def error(self, key: str, expected: str) -> LockfileError:
        """``key`` (dotted, from the document root) is not what it must be; the line is the
        first that assigns or opens the key's last part (best effort)."""
        leaf = re.escape(key.rsplit(".", 1)[-1].split("[", 1)[0])
        line = self.finder.header(rf"^\s*(\[+\s*)?[\"']?{leaf}\b")
        return LockfileError(f"{key} must be {expected}", path=self.path, line=line)

    def _key(self, key: str) -> str:
        return f"{self.where}.{key}" if self.where else key

    def _typed(self, key: str, kind: type, default: Any) -> Any:
        value = self.data.get(key, default)
        if value is not default and not isinstance(value, kind):
            raise self.error(self._key(key), _TYPE_NAMES.get(kind, kind.__name__))
        return value

    def get(self, key: str) -> Any:
        return self.data.get(key)

    def string(self, key: str) -> str | None:
        value: str | None = self._typed(key, str, None)
        return value

    def table(self, key: str) -> Table:
        """The sub-table at ``key`` (an empty one when absent)."""
        return Table(self._typed(key, dict, {}), self.path, self._key(key), self.finder)

    def array(self, key: str) -> list[Any]:
        value: list[Any] = self._typed(key, list, [])
        return value

    def tables(self, key: str) -> list[Table]:
        """The array of tables at ``key`` (empty when absent)."""
        where = self._key(key)
        items = self.array(key)
        out = []
        for index, item in enumerate(items):
            if not isinstance(item, dict):
                raise self.error(f"{where}[{index}]", "a table")
            out.append(Table(item, self.path, f"{where}[{index}]", self.finder))
        return out

    def strings(self, key: str) -> list[str]:
        items = self.array(key)
        if not all(isinstance(item, str) for item in items):
            raise self.error(self._key(key), "an array of strings")
        return items
