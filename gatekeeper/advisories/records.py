"""The values the advisory database hands out. All frozen."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import Enum

from gatekeeper.model import Severity


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

    def age(self, now: dt.datetime | None = None) -> dt.timedelta:
        """How long ago the data was fetched (never negative)."""
        now = now or dt.datetime.now(dt.UTC)
        return max(now - self.fetched_at, dt.timedelta(0))

    def age_days(self, now: dt.datetime | None = None) -> float:
        return self.age(now).total_seconds() / 86400.0

    def freshness(
        self, max_age_days: float, hard_max_age_days: float, now: dt.datetime | None = None
    ) -> Freshness:
        """``fresh`` up to ``max_age_days``, ``stale`` (warn) up to the hard limit, then
        ``expired`` (fail)."""
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
