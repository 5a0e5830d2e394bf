"""Files a gate did not read, counted per reason: one note per reason, never one per file.

A symlink leaving the repository, a FIFO, a file over the read limit or a binary file is no
finding of its own. A gate collects them in :class:`Skips` and reports one info note per reason
(its own rule) with the count and a few example paths. :func:`read_file` reads a repository
file by these rules; nothing outside the repository root is read. Standard library only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from gatekeeper.fsutil import MAX_FILE_BYTES, read_bounded

if TYPE_CHECKING:
    from gatekeeper.model import Finding, Rule

#: How much of a file is looked at for a NUL byte, the mark of a binary file.
BINARY_PROBE = 8192
OUTSIDE = "skipped: symlinks out of the repository"
BINARY = "skipped: binary"
#: Example paths a note's message names (its data holds a few more).
_SHOWN = 3
_KEPT = 10


@dataclass
class Skips:
    """Files not read (or read though not as expected), counted per reason, with examples; the
    notes are findings of ``rule`` about ``noun`` (``"tracked file(s)"``)."""

    rule: Rule
    noun: str = "file(s)"
    paths: dict[str, list[str]] = field(default_factory=dict)

    def add(self, reason: str, path: str) -> None:
        self.paths.setdefault(reason, []).append(path)

    @property
    def total(self) -> int:
        return sum(len(paths) for paths in self.paths.values())

    def findings(self) -> list[Finding]:
        out = []
        for reason, paths in sorted(self.paths.items()):
            examples = ", ".join(paths[:_SHOWN]) + (", ..." if len(paths) > _SHOWN else "")
            out.append(
                self.rule.finding(
                    f"{len(paths)} {self.noun} {reason} ({examples})",
                    reason,
                    data={"reason": reason, "count": len(paths), "examples": paths[:_KEPT]},
                )
            )
        return out


def is_binary(data: bytes) -> bool:
    return b"\0" in data[:BINARY_PROBE]


def unless_binary(data: bytes, path: str, skips: Skips) -> bytes | None:
    """``data`` (the content of ``path``), or None when it is binary (counted in ``skips``)."""
    if is_binary(data):
        skips.add(BINARY, path)
        return None
    return data


def read_file(root: Path, path: str, skips: Skips, limit: int = MAX_FILE_BYTES) -> bytes | None:
    """The bytes of ``path`` (relative to ``root``), or None: a symlink out of the repository, a
    file that is not regular, over ``limit`` or unreadable, and a binary file are counted in
    ``skips``; a symlink within the repository is not (its target is read as itself)."""
    file = root / path
    if file.is_symlink():
        if not file.resolve().is_relative_to(root.resolve()):
            skips.add(OUTSIDE, path)
        return None
    try:
        data = read_bounded(file, limit)
    except OSError as exc:
        skips.add(f"skipped: {exc.strerror or 'unreadable'}", path)
        return None
    return unless_binary(data, path, skips)
