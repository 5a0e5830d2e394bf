"""The values the advisory database hands out. All frozen."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import Enum

from gatekeeper.model import Severity

#: How far in the future a data or sync time may be before it is refused (clock drift).
CLOCK_SKEW = dt.timedelta(hours=1)


@dataclass(frozen=True, slots=True)
class Vulnerability:
    """One vulnerability affecting one package version, with every ID it is known by.

    ``id`` is the primary ID: a GHSA ID if there is one, else a PYSEC ID, else the smallest other
    ID. ``aliases`` holds every other ID (CVE, PYSEC, GHSA, ...) of the merged entries, sorted.
    ``severity`` is ``None`` when no entry carries one: the policy decides (fail closed).
    ``fix_version`` is the smallest known version above the queried one that no merged entry
    affects, or ``None`` when no such version is known.
    """

    id: str
    aliases: tuple[str, ...]
    summary: str
    severity: Severity | None
    cvss_vector: str | None
    fix_version: str | None
    url: str

    @property
    def ids(self) -> tuple[str, ...]:
        """The primary ID followed by every alias: what a waiver may name."""
        return (self.id, *self.aliases)


@dataclass(frozen=True, slots=True)
class DBStatus:
    """What a sync stored: where the data came from, its digest, when, and how much of it.

    ``data_date`` is how current the data is: the newest ``modified`` time of its entries.
    ``fetched_at`` is when the sync ran. Age and freshness are measured from ``data_date``:
    a two-year-old snapshot synced today is two years old.

    ``advisories`` counts stored OSV entries (withdrawn and skipped ones excluded), ``packages``
    the distinct normalized package names, ``skipped`` the entries dropped because of an invalid
    range or version, ``withdrawn`` the withdrawn entries ignored, and ``warnings`` every problem
    met (skipped entries plus ignored non-PEP 440 versions in explicit ``versions`` lists).
    """

    source: str
    sha256: str
    fetched_at: dt.datetime
    advisories: int
    packages: int
    skipped: int
    withdrawn: int = 0
    warnings: int = 0
    path: str = ""
    data_date: dt.datetime | None = None

    @property
    def dated(self) -> dt.datetime:
        """The time the data's age counts from: ``data_date``, else the sync time."""
        return self.data_date or self.fetched_at

    def in_future(self, now: dt.datetime | None = None) -> bool:
        """Whether the data or the sync claims a time beyond ``now`` plus :data:`CLOCK_SKEW`:
        a clock or a source that cannot be trusted, never "fresh for ever"."""
        limit = (now or dt.datetime.now(dt.UTC)) + CLOCK_SKEW
        return self.dated > limit or self.fetched_at > limit

    def age(self, now: dt.datetime | None = None) -> dt.timedelta:
        """How old the data is (never negative; see :meth:`in_future`)."""
        now = now or dt.datetime.now(dt.UTC)
        return max(now - self.dated, dt.timedelta(0))

    def age_days(self, now: dt.datetime | None = None) -> float:
        return self.age(now).total_seconds() / 86400.0

    def freshness(
        self, max_age_days: float, hard_max_age_days: float, now: dt.datetime | None = None
    ) -> Freshness:
        """``fresh`` up to ``max_age_days``, ``stale`` (warn) up to the hard limit, then
        ``expired`` (fail); ``future`` (fail) when it is dated after ``now``."""
        if self.in_future(now):
            return Freshness.FUTURE
        days = self.age_days(now)
        if days > hard_max_age_days:
            return Freshness.EXPIRED
        if days > max_age_days:
            return Freshness.STALE
        return Freshness.FRESH


class Freshness(Enum):
    FRESH = "fresh"
    STALE = "stale"
    EXPIRED = "expired"
    FUTURE = "future"
