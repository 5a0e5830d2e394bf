"""CPython's release lines and their support generations, as of a given day.

The table is embedded (no network at check time). Each line has three dates: its first (x.y.0)
release, the end of its bugfix ("full support") period, and its end of life. Sources: the
release schedule PEPs (PEP 569 for 3.8, 596 for 3.9, 619 for 3.10, 664 for 3.11, 693 for 3.12,
719 for 3.13, PEP 745 for 3.14: "3.14.0 final: Tuesday, 2025-10-07", last bugfix release
3.14.14 on 2027-10-05, security fixes "until approximately October 2030"; PEP 790 for 3.15:
"3.15.0 final: Friday, 2026-10-09" after a third release candidate) and the devguide's status
page. End-of-life days are the end of the announced month where a PEP gives only the month.

A line is **current** while it gets bugfix releases, in **maintenance** while it gets only
security fixes, and **naughty** once it is end of life, and also before its first release
(a pre-release) or when the table does not know it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import Enum

#: When the table below was last checked against the release schedules.
TABLE_DATE = dt.date(2026, 12, 1)
#: A table older than this (relative to the run's date) is itself a finding.
MAX_TABLE_AGE = dt.timedelta(days=365)

#: A release line: (major, minor).
Line = tuple[int, int]


class Generation(Enum):
    CURRENT = "current"
    MAINTENANCE = "maintenance"
    NAUGHTY = "naughty"


@dataclass(frozen=True, slots=True)
class Release:
    line: Line
    #: The x.y.0 final release (planned, for a line not yet released when the table was made).
    released: dt.date
    #: The last day of bugfix releases: security fixes only after it.
    bugfix_until: dt.date
    #: End of life: no releases at all after it.
    eol: dt.date

    @property
    def name(self) -> str:
        return line_name(self.line)


RELEASES: tuple[Release, ...] = (
    Release((3, 8), dt.date(2019, 10, 14), dt.date(2021, 5, 3), dt.date(2024, 10, 7)),
    Release((3, 9), dt.date(2020, 10, 5), dt.date(2022, 5, 17), dt.date(2025, 10, 31)),
    Release((3, 10), dt.date(2021, 10, 4), dt.date(2023, 4, 5), dt.date(2026, 10, 31)),
    Release((3, 11), dt.date(2022, 10, 24), dt.date(2024, 4, 2), dt.date(2027, 10, 31)),
    Release((3, 12), dt.date(2023, 10, 2), dt.date(2025, 4, 8), dt.date(2028, 10, 31)),
    Release((3, 13), dt.date(2024, 10, 7), dt.date(2026, 10, 1), dt.date(2029, 10, 31)),
    Release((3, 14), dt.date(2025, 10, 7), dt.date(2027, 10, 5), dt.date(2030, 10, 31)),
    Release((3, 15), dt.date(2026, 10, 9), dt.date(2028, 10, 31), dt.date(2031, 10, 31)),
)
_BY_LINE = {release.line: release for release in RELEASES}


def line_name(line: Line) -> str:
    return f"{line[0]}.{line[1]}"


@dataclass(frozen=True, slots=True)
class Status:
    """A line's generation on a day, and why."""

    line: Line
    generation: Generation
    #: "bugfix", "security", "end of life", "pre-release" or "unknown".
    phase: str
    release: Release | None = None


def status(line: Line, today: dt.date) -> Status:
    """The generation of ``line`` on ``today``. A line before the table's first is end of
    life; one after its last (or not 3.x) is unknown: both are naughty."""
    release = _BY_LINE.get(line)
    if release is None:
        first = RELEASES[0].line
        if line < first:
            return Status(line, Generation.NAUGHTY, "end of life")
        return Status(line, Generation.NAUGHTY, "unknown")
    if today < release.released:
        return Status(line, Generation.NAUGHTY, "pre-release", release)
    if today <= release.bugfix_until:
        return Status(line, Generation.CURRENT, "bugfix", release)
    if today <= release.eol:
        return Status(line, Generation.MAINTENANCE, "security", release)
    return Status(line, Generation.NAUGHTY, "end of life", release)


def latest_released(today: dt.date) -> Release:
    """The newest line already released on ``today`` (the table's first when none is)."""
    released = [r for r in RELEASES if r.released <= today]
    return released[-1] if released else RELEASES[0]


def upgrade_path(line: Line, today: dt.date) -> tuple[Line, ...]:
    """``line`` and every line after it, one at a time, up to the newest released line on
    ``today``; empty when ``line`` is not older than that one."""
    target = latest_released(today).line
    if line >= target:
        return ()
    start = line if line in _BY_LINE else RELEASES[0].line
    steps = tuple(r.line for r in RELEASES if start <= r.line <= target)
    return (line, *steps) if start != line else steps


def table_age(today: dt.date) -> dt.timedelta:
    return today - TABLE_DATE


def table_stale(today: dt.date) -> bool:
    return table_age(today) > MAX_TABLE_AGE
