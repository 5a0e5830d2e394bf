"""The on-disk advisory database: one file, an index up front, one JSON blob per package.

Layout of ``<db dir>/advisories.gkdb``::

    GKADV 1\\n                                   magic and format version
    {"source": ..., "sha256": ..., "fetched_at": ..., "advisories": N, "packages": M,
     "skipped": K, "withdrawn": W, "warnings": X,
     "index": {"pyyaml": [offset, length], ...}}\\n   one line of JSON
    <blob><blob>...                               a JSON list of records per package

Opening reads the two header lines; a lookup reads only its package's blob (a seek to the
indexed offset), so an audit touches a few kilobytes whatever the database size. The file is
written to a temporary file in the same directory, fsynced and renamed over the old one: a
failed or interrupted sync leaves the previous database intact. No pickle: only JSON is read.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import stat
import threading
import weakref
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any, BinaryIO

from gatekeeper.advisories import matching
from gatekeeper.advisories.lookup import Lookups
from gatekeeper.advisories.osv import Record, normalize_name
from gatekeeper.advisories.paths import DB_FILE, resolve_db_path
from gatekeeper.advisories.records import DBStatus
from gatekeeper.errors import AdvisoryDataError
from gatekeeper.fsutil import atomic_write
from gatekeeper.json_input import load_json

MAGIC = b"GKADV 1\n"
SYNC_HINT = "run `gatekeeper advisories sync`"
_COUNTS = ("advisories", "packages", "skipped", "withdrawn", "warnings")
_TIMES = ("fetched_at", "data_date")
#: The header line holds the index of every package: a few MB for all of PyPI.
MAX_HEADER = 256 * 1024**2


def db_file(path: Path) -> Path:
    """The database file for a database directory (or the file itself when given one)."""
    return path if path.suffix == ".gkdb" else path / DB_FILE


def write_db(path: Path, status: DBStatus, packages: Mapping[str, Sequence[Record]]) -> Path:
    """Atomically write a database at directory ``path``; returns the file written.

    A directory that cannot be made or written (read-only, a file in the way, a full disk) is
    an AdvisoryDataError naming it (exit 2).
    """
    target = db_file(path)
    try:
        return _write_db(target, status, packages)
    except OSError as exc:
        where = exc.filename if isinstance(exc.filename, str) else target.parent
        reason = exc.strerror or exc.__class__.__name__
        raise AdvisoryDataError(
            f"cannot write the advisory database: {reason}", path=where
        ) from None


def _write_db(target: Path, status: DBStatus, packages: Mapping[str, Sequence[Record]]) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    index: dict[str, list[int]] = {}
    blobs: list[bytes] = []
    offset = 0
    for name in sorted(packages):
        blob = json.dumps(list(packages[name]), separators=(",", ":"), sort_keys=True).encode()
        index[name] = [offset, len(blob)]
        blobs.append(blob)
        offset += len(blob)
    header = {
        "source": status.source,
        "sha256": status.sha256,
        "fetched_at": status.fetched_at.astimezone(dt.UTC).isoformat(),
        "data_date": status.dated.astimezone(dt.UTC).isoformat(),
        **{key: getattr(status, key) for key in _COUNTS},
        "index": index,
    }
    head = MAGIC + json.dumps(header, separators=(",", ":")).encode() + b"\n"
    atomic_write(target, [head, *blobs], 0o644)
    return target


def _corrupt(path: Path, why: str) -> AdvisoryDataError:
    return AdvisoryDataError(
        f"advisory database is corrupt or from another version: {why}",
        path=path,
        hint=f"{SYNC_HINT} to rebuild it",
    )


def _header(path: Path, raw: BinaryIO) -> tuple[dict[str, Any], int]:
    if raw.readline(len(MAGIC)) != MAGIC:
        raise _corrupt(path, "bad magic")
    line = raw.readline(MAX_HEADER)
    start = raw.tell()
    try:
        header = load_json(line, source=str(path), error=AdvisoryDataError)
    except AdvisoryDataError:
        raise _corrupt(path, "unreadable header") from None
    if (
        not isinstance(header, dict)
        or not isinstance(header.get("index"), dict)
        or not all(isinstance(header.get(k), str) for k in _TIMES + ("source", "sha256"))
        or not all(isinstance(header.get(k), int) for k in _COUNTS)
    ):
        raise _corrupt(path, "bad header fields")
    return header, start


def _time(path: Path, header: Mapping[str, Any], key: str) -> dt.datetime:
    try:
        value = dt.datetime.fromisoformat(header[key])
    except ValueError:
        raise _corrupt(path, f"bad {key}") from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC)


def _status(path: Path, header: Mapping[str, Any]) -> DBStatus:
    return DBStatus(
        source=header["source"],
        sha256=header["sha256"],
        fetched_at=_time(path, header, "fetched_at"),
        data_date=_time(path, header, "data_date"),
        **{key: header[key] for key in _COUNTS},
        path=str(path),
    )


class AdvisoryDB(Lookups):
    """A read-only view of a synced database. Use :func:`open_db` to get one.

    Lookups take a package name in any spelling (PEP 503 normalized) and a PEP 440 version; a
    version that is not PEP 440 raises :class:`packaging.version.InvalidVersion` (a
    ``ValueError``). Close it (or use it as a context manager) to release the file.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            if not stat.S_ISREG(os.stat(path).st_mode):  # a FIFO would block, /dev/zero never end
                raise AdvisoryDataError("not a regular file", path=path, hint=SYNC_HINT)
            self._file: BinaryIO = path.open("rb")
        except FileNotFoundError:
            raise AdvisoryDataError(
                "no advisory database", path=path.parent, hint=SYNC_HINT
            ) from None
        except OSError as exc:
            raise AdvisoryDataError(
                f"cannot read the advisory database: {exc.strerror}", path=path, hint=SYNC_HINT
            ) from None
        self._closer = weakref.finalize(self, self._file.close)
        self._lock = threading.Lock()
        try:
            header, self._start = _header(path, self._file)
            self.status: DBStatus = _status(path, header)
        except OSError as exc:
            self.close()
            raise AdvisoryDataError(
                f"cannot read the advisory database: {exc.strerror}", path=path, hint=SYNC_HINT
            ) from None
        except BaseException:
            self.close()
            raise
        self._index: dict[str, list[int]] = header["index"]
        self._cache: dict[str, list[matching.Compiled]] = {}

    def close(self) -> None:
        self._closer()

    def __enter__(self) -> AdvisoryDB:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"AdvisoryDB({str(self.path)!r}, packages={len(self._index)})"

    def packages(self) -> Iterator[str]:
        """Every normalized package name that has at least one advisory."""
        return iter(self._index)

    def has_package(self, name: str) -> bool:
        return normalize_name(name) in self._index

    def records(self, name: str) -> list[matching.Compiled]:
        """The compiled records of one package (empty when it has none), read once and cached."""
        key = normalize_name(name)
        cached = self._cache.get(key)
        if cached is not None:
            return cached
        where = self._index.get(key)
        records = [] if where is None else self._read(key, where)
        self._cache[key] = records
        return records

    def _read(self, key: str, where: Any) -> list[matching.Compiled]:
        try:
            offset, length = where
            with self._lock:
                self._file.seek(self._start + offset)
                blob = self._file.read(length)
            records = load_json(blob, source=str(self.path), error=AdvisoryDataError)
            return matching.compile_records(records)  # type: ignore[arg-type]
        except (AdvisoryDataError, ValueError, TypeError, KeyError, IndexError, OSError):
            raise _corrupt(self.path, f"unreadable entry for {key!r}") from None


def open_db(path: Path | None = None) -> AdvisoryDB:
    """Open the database at ``path`` (a directory or the ``.gkdb`` file), else at
    ``$GATEKEEPER_ADVISORY_DB``, else at :func:`default_db_path`.

    A missing database raises :class:`~gatekeeper.errors.AdvisoryDataError` naming the path and
    saying to run ``gatekeeper advisories sync``.
    """
    return AdvisoryDB(db_file(resolve_db_path(path)))


__all__ = ["AdvisoryDB", "open_db", "write_db"]
