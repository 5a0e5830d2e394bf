"""The ETag cache: each answer's ``ETag`` and body by URL, so a rerun asks ``If-None-Match``
and GitHub answers 304 (which does not count against the rate limit) for what did not change.

One JSON file per API and organisation under ``fsutil.cache_dir()/inventory/``, written
atomically and readable by its owner only (it holds the organisation's files). A cache that
cannot be parsed is ignored: it only costs requests.
"""

from __future__ import annotations

import hashlib
import json
import threading
from pathlib import Path

from gatekeeper import fsutil

#: Larger cache files are ignored (a rerun then fetches everything again).
MAX_CACHE_BYTES = 256 << 20


def cache_path(api_url: str, org: str, base: Path | None = None) -> Path:
    """The cache file for ``org`` at ``api_url`` (named by a digest: no URL in a file name)."""
    key = hashlib.sha256(f"{api_url}\n{org.lower()}".encode()).hexdigest()[:32]
    return (base if base is not None else fsutil.cache_dir()) / "inventory" / f"{key}.json"


class EtagCache:
    """URL → (ETag, body); thread-safe. :meth:`save` writes what this run saw."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._entries: dict[str, tuple[str, str]] = {}
        self._used: dict[str, tuple[str, str]] = {}
        self._load()

    def _load(self) -> None:
        try:
            data = json.loads(fsutil.read_bounded(self.path, MAX_CACHE_BYTES))
        except (OSError, ValueError):
            return
        if not isinstance(data, dict):
            return
        for url, entry in data.items():
            if (
                isinstance(entry, list)
                and len(entry) == 2
                and all(isinstance(part, str) for part in entry)
            ):
                self._entries[url] = (entry[0], entry[1])

    def etag(self, url: str) -> str | None:
        with self._lock:
            entry = self._entries.get(url)
        return entry[0] if entry is not None else None

    def hit(self, url: str) -> str:
        """The cached body of ``url`` (after a 304), kept for the next run."""
        with self._lock:
            entry = self._entries[url]
            self._used[url] = entry
        return entry[1]

    def store(self, url: str, etag: str, body: str) -> None:
        with self._lock:
            self._entries[url] = self._used[url] = (etag, body)

    def save(self) -> None:
        """Write the entries this run used (so deleted files do not linger), 0600."""
        with self._lock:
            data = json.dumps({url: list(e) for url, e in sorted(self._used.items())})
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fsutil.atomic_write(self.path, data.encode(), mode=0o600)
