"""``secrets.history``: every commit reachable from HEAD, for the commit where each secret first
appeared, and for secrets deleted from the tree that history still holds.

One ``git log -p -U0 --reverse`` is streamed (oldest commit first, added lines only), never held
whole: each file's added lines in a commit are scanned together, so a key block split over
lines is still one key. Lines are cut at :data:`MAX_LINE` characters, a file's additions at
:data:`~gatekeeper.fsutil.MAX_FILE_BYTES`, the commits at ``secrets.history_max_commits``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from gatekeeper.errors import UsageError
from gatekeeper.fsutil import MAX_FILE_BYTES
from gatekeeper.gates.secrets.detect import Hit, scan

if TYPE_CHECKING:
    from gatekeeper.git import GitRepo
    from gatekeeper.policy.model import SecretsPolicy

MAX_LINE = 64 << 10
_HUNK = re.compile(rb"^@@ -\d+(?:,\d+)? \+(\d+)(?:,\d+)? @@")


@dataclass(frozen=True, slots=True)
class Introduced:
    """Where a secret first appeared: the commit, the path then, and the hit (its line then)."""

    commit: str
    path: str
    hit: Hit


@dataclass
class _File:
    commit: str
    path: str
    numbers: list[int]
    lines: list[str]
    size: int = 0


def _added(lines: Iterable[bytes], commits: set[str]) -> Iterator[_File]:
    """Each (commit, file)'s added lines, from ``git log -p -U0 --format=%x00%H`` output;
    every commit read is added to ``commits``."""
    commit = ""
    current: _File | None = None
    number = 0
    for raw in lines:
        if raw.startswith(b"\0"):
            if current is not None:
                yield current
            commit, current = raw[1:].strip().decode(), None
            commits.add(commit)
        elif raw.startswith(b"+++ "):
            if current is not None:
                yield current
            target = raw[4:].rstrip(b"\n").decode(errors="surrogateescape")
            current = _File(commit, target.removeprefix("b/"), [], [])
        elif current is not None and (match := _HUNK.match(raw)):
            number = int(match.group(1))
        elif current is not None and raw.startswith(b"+") and current.size < MAX_FILE_BYTES:
            text = raw[1:MAX_LINE].rstrip(b"\n").decode(errors="replace")
            current.numbers.append(number)
            current.lines.append(text)
            current.size += len(text) + 1
            number += 1
    if current is not None:
        yield current


def first_appearances(
    lines: Iterable[bytes], policy: SecretsPolicy
) -> tuple[dict[str, Introduced], int]:
    """Each secret's first appearance in ``lines`` (oldest first), keyed by the secret, and
    how many commits were read."""
    from gatekeeper.gates.secrets.gate import is_fixture

    first: dict[str, Introduced] = {}
    commits: set[str] = set()
    for added in _added(lines, commits):
        if not added.lines or is_fixture(added.path, policy.fixtures):
            continue
        for hit in scan("\n".join(added.lines), policy.min_entropy):
            if hit.secret not in first:
                moved = Hit(hit.kind, hit.what, added.numbers[hit.line - 1], hit.column, hit.secret)
                first[hit.secret] = Introduced(added.commit, added.path, moved)
    return first, len(commits)


def history(git: GitRepo, policy: SecretsPolicy) -> tuple[dict[str, Introduced], int]:
    """:func:`first_appearances` over the repository's history (a failing git: usage error)."""
    proc = git.log_patches(policy.history_max_commits)
    assert proc.stdout is not None  # noqa: S101  # nosec B101  # stdout=PIPE
    with proc:
        found = first_appearances(proc.stdout, policy)
    if proc.returncode != 0:
        raise UsageError(f"{git.root}: git log failed (a repository without commits?)")
    return found
