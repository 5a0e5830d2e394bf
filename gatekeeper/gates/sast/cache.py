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
#: Each stored issue's keys and their types.
_ISSUE: dict[str, type | tuple[type, ...]] = {
    "test_id": str,
    "test": str,
    "severity": str,
    "confidence": str,
    "cwe": (int, type(None)),
    "line": int,
    "lines": list,
    "column": int,
    "text": str,
    "code": str,
}


def _valid(entry: object) -> bool:
    if not isinstance(entry, dict) or not isinstance(entry.get("nosec"), dict):
        return False
    issues, error = entry.get("issues"), entry.get("error")
    return (
        isinstance(issues, list)
        and all(
            isinstance(i, dict) and all(isinstance(i.get(k), t) for k, t in _ISSUE.items())
            for i in issues
        )
        and all(isinstance(v, str) and k.isdigit() for k, v in entry["nosec"].items())
        and (error is None or isinstance(error, str))
    )


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
        return entry if _valid(entry) else None

    def put(self, key: str, result: dict[str, Any]) -> None:
        path = self._path(key)
        os.makedirs(path.parent, mode=0o700, exist_ok=True)
        atomic_write(path, json.dumps(result, separators=(",", ":")).encode(), mode=0o600)
