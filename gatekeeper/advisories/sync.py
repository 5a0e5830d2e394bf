"""``gatekeeper advisories sync``: read a source, normalize, index, replace the database."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from gatekeeper.advisories.osv import InvalidEntry, Record, normalize_entry
from gatekeeper.advisories.paths import resolve_db_path
from gatekeeper.advisories.records import DBStatus
from gatekeeper.advisories.sources import (
    DEFAULT_URL,
    Source,
    download,
    is_url,
    open_directory,
    open_zip,
)
from gatekeeper.advisories.store import db_file, write_db
from gatekeeper.errors import AdvisoryDataError
from gatekeeper.net.urls import redact

if TYPE_CHECKING:
    import httpx


@dataclass(frozen=True)
class SyncResult:
    """What a sync stored, where, how long it took, and every warning it met."""

    status: DBStatus
    path: Path
    warnings: tuple[str, ...]
    seconds: float


@dataclass
class _Built:
    packages: dict[str, list[Record]]
    advisories: int = 0
    skipped: int = 0
    withdrawn: int = 0
    #: The newest ``modified`` time among the entries read.
    newest: dt.datetime | None = None


def build(documents: Iterable[tuple[str, object]], warnings: list[str]) -> _Built:
    """Normalize every document into per-package records; invalid entries become warnings."""
    built = _Built(packages={})
    for origin, document in documents:
        try:
            entry = normalize_entry(document, origin)
        except InvalidEntry as exc:
            built.skipped += 1
            warnings.append(f"skipped {exc}")
            continue
        warnings.extend(entry.warnings)
        if entry.modified is not None and (built.newest is None or entry.modified > built.newest):
            built.newest = entry.modified
        if entry.withdrawn:
            built.withdrawn += 1
            continue
        if not entry.records:
            continue
        built.advisories += 1
        for name, record in entry.records.items():
            built.packages.setdefault(name, []).append(record)
    return built


def sync(
    source: str | Path | None = None,
    db: Path | None = None,
    *,
    now: dt.datetime | None = None,
    client: httpx.Client | None = None,
) -> SyncResult:
    """Sync the database at ``db`` (see :func:`~gatekeeper.advisories.open_db`) from ``source``:
    a URL (default: osv.dev's PyPI export), a local zip, or a directory of OSV JSON/YAML.

    Nothing is replaced unless the whole source was read and at least one advisory is usable.
    """
    started = time.perf_counter()
    directory = resolve_db_path(db)
    target = db_file(directory)
    text = DEFAULT_URL if source is None else str(source)
    downloaded: Path | None = None
    try:
        if is_url(text):
            downloaded = download(text, target.parent, client)
            # The label is stored in the database header: never a URL's credentials.
            opened: Source = open_zip(downloaded, redact(text))
        else:
            path = Path(text).expanduser()
            if path.is_dir():
                opened = open_directory(path)
            elif path.is_file():
                opened = open_zip(path, str(path.resolve()))
            else:
                raise AdvisoryDataError("no such advisory source file or directory", path=path)
        warnings: list[str] = []
        built = build(opened.documents, warnings)
    finally:
        if downloaded is not None:
            downloaded.unlink(missing_ok=True)
    if built.advisories == 0:
        raise AdvisoryDataError(
            f"no usable PyPI advisories ({built.skipped} skipped, {built.withdrawn} withdrawn); "
            "the existing database was kept",
            path=opened.label,
        )
    fetched_at = (now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC)
    if built.newest is None:
        warnings.append("no entry has a valid 'modified' time: the data's age counts from now")
    status = DBStatus(
        source=opened.label,
        sha256=opened.sha256,
        fetched_at=fetched_at,
        data_date=built.newest or fetched_at,
        advisories=built.advisories,
        packages=len(built.packages),
        skipped=built.skipped,
        withdrawn=built.withdrawn,
        warnings=len(warnings),
        path=str(target),
    )
    if status.in_future(fetched_at):
        raise AdvisoryDataError(
            f"the advisory data is dated {status.dated.isoformat()}, after the sync time "
            f"{fetched_at.isoformat()}: a wrong clock or a forged source; the existing database "
            "was kept",
            path=opened.label,
        )
    written = write_db(target, status, built.packages)
    return SyncResult(
        status=status,
        path=written,
        warnings=tuple(warnings),
        seconds=time.perf_counter() - started,
    )
