"""The advisory database: OSV advisories for PyPI, synced locally and indexed by package name.

Public API (stable; the audit gate codes against it)::

    from gatekeeper.advisories import open_db, default_db_path, AdvisoryDB, Vulnerability, DBStatus

    db = open_db(path=None)        # None: $GATEKEEPER_ADVISORY_DB, else default_db_path()
                                   # missing -> AdvisoryDataError naming the path and saying
                                   # "run `gatekeeper advisories sync`"
    db.status                      # DBStatus(source, sha256, fetched_at (UTC), advisories,
                                   #          packages, skipped, withdrawn, warnings, path)
    db.status.age()                # timedelta since the fetch; .age_days()
    db.status.freshness(warn_days, fail_days)   # Freshness.FRESH / STALE / EXPIRED
    db.vulnerabilities(name, version) -> list[Vulnerability]   # any spelling of the name
    db.fix_version(name, version) -> str | None # smallest version > version clearing ALL of
                                                # the package's advisories; None if unaffected
                                                # or no such version is known
    db.has_package(name) -> bool   # the package has at least one advisory
    db.close()                     # or use ``with open_db() as db:``

    source = open_source(db=None, osv_url=None)  # AdvisoryDB, or OnlineAdvisories(osv_url)
    from gatekeeper.advisories.sync import sync  # (a submodule: imports httpx/zip/yaml lazily)
    sync(source=None, db=None) -> SyncResult     # osv.dev's PyPI zip, a URL, a zip or a dir

A :class:`Vulnerability` merges every entry sharing an ID or alias (PYSEC, GHSA, CVE): ``id``
is a GHSA ID if there is one, else PYSEC, else the smallest other ID; ``aliases`` are all the
others. ``severity`` is ``None`` when unknown (the policy decides, failing closed).

Versions must be PEP 440: lookups raise :class:`packaging.version.InvalidVersion` (a
``ValueError``) otherwise. Network problems raise
:class:`~gatekeeper.errors.BackendUnavailable` (exit 3); bad data raises
:class:`~gatekeeper.errors.AdvisoryDataError` (exit 2).

Heavy modules (``httpx``, ``cvss``, ``yaml``, ``zipfile``) load only when a sync or an online
lookup needs them.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from gatekeeper.advisories.paths import ENV_DB, default_db_path, resolve_db_path
from gatekeeper.advisories.records import DBStatus, Freshness, Vulnerability
from gatekeeper.advisories.store import AdvisoryDB, open_db

if TYPE_CHECKING:
    from gatekeeper.advisories.online import OnlineAdvisories


class AdvisorySource(Protocol):
    """What the audit gate needs: the local database and the online source both provide it."""

    def vulnerabilities(self, name: str, version: str) -> list[Vulnerability]: ...

    def fix_version(self, name: str, version: str) -> str | None: ...

    def has_package(self, name: str) -> bool: ...

    def close(self) -> None: ...


def open_online(osv_url: str, timeout: float = 30.0) -> OnlineAdvisories:
    """An online source querying the OSV API at ``osv_url`` (``.../v1/query``)."""
    from gatekeeper.advisories.online import OnlineAdvisories

    return OnlineAdvisories(osv_url, timeout=timeout)


def open_source(db: Path | None = None, osv_url: str | None = None) -> AdvisorySource:
    """The online source when ``osv_url`` is set (policy ``audit.osv_url``), else the local
    database (which must have been synced)."""
    if osv_url:
        return open_online(osv_url)
    return open_db(db)


__all__ = [
    "ENV_DB",
    "AdvisoryDB",
    "AdvisorySource",
    "DBStatus",
    "Freshness",
    "Vulnerability",
    "default_db_path",
    "open_db",
    "open_online",
    "open_source",
    "resolve_db_path",
]
