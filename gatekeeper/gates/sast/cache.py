"""Per-file results under ``cache_dir()/sast/``, keyed by the file's path and content hash, the
bandit version and the profile. Writes are atomic and private (0600); a read is bounded, and an
entry that is unreadable or not a result is a miss."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

from gatekeeper.fsutil import atomic_write, cache_dir, read_bounded

#: A result is far smaller than this; a larger entry is corrupt.
MAX_ENTRY_BYTES = 4 << 20


class ResultCache:
    def __init__(self, directory: Path | None = None) -> None:
        self.directory = directory if directory is not None else cache_dir() / "sast"

    @staticmethod
    def key(profile_digest: str, path: str, content: bytes) -> str:
        digest = hashlib.sha256(profile_digest.encode())
        digest.update(b"\0" + path.encode(errors="surrogateescape") + b"\0")
        digest.update(hashlib.sha256(content).digest())
        return digest.hexdigest()

    def _path(self, key: str) -> Path:
        return self.directory / key[:2] / f"{key}.json"

    def get(self, key: str) -> dict[str, Any] | None:
        try:
            entry = json.loads(read_bounded(self._path(key), MAX_ENTRY_BYTES))
        except (OSError, ValueError):
            return None
        valid = (
            isinstance(entry, dict)
            and isinstance(entry.get("issues"), list)
            and isinstance(entry.get("nosec"), dict)
            and (entry.get("error") is None or isinstance(entry["error"], str))
        )
        return entry if valid else None

    def put(self, key: str, result: dict[str, Any]) -> None:
        path = self._path(key)
        os.makedirs(path.parent, mode=0o700, exist_ok=True)
        atomic_write(path, json.dumps(result, separators=(",", ":")).encode(), mode=0o600)
