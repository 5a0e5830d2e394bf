"""The validated-policy cache: skip pydantic when the policy sources have not changed.

An entry is the ``model_dump(mode="json")`` of the validated policy, stored under a key that is
the SHA-256 of the gatekeeper version, the schema digest and every source's name and text. Any
change to a source, to the schema or to gatekeeper gives a new key, so an entry never needs
invalidating. Entries live in ``$GATEKEEPER_CACHE_DIR/policy`` (default: the user cache
directory, ``$XDG_CACHE_HOME/gatekeeper/policy`` or ``~/.cache/gatekeeper/policy``).

The cache only ever saves time: an unreadable, corrupt or untrusted entry (another user's, or
writable by others) is ignored and a failed write is silent, and the policy is then validated as
if there were no cache.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from gatekeeper import __version__
from gatekeeper.policy.runtime import SCHEMA_DIGEST

#: Environment variable naming the cache directory; wins over the user cache directory.
ENV_CACHE_DIR = "GATEKEEPER_CACHE_DIR"


def cache_dir(env: Mapping[str, str] | None = None) -> Path:
    """Where cached policies live."""
    env = os.environ if env is None else env
    if env.get(ENV_CACHE_DIR):
        return Path(env[ENV_CACHE_DIR]).expanduser() / "policy"
    xdg = env.get("XDG_CACHE_HOME")
    base = Path(xdg) if xdg and Path(xdg).is_absolute() else Path.home() / ".cache"
    return base / "gatekeeper" / "policy"


def key(sources: Sequence[tuple[str, str]]) -> str:
    """The cache key of a policy built from ``(name, text)`` sources, in order."""
    material = json.dumps([__version__, SCHEMA_DIGEST, [list(s) for s in sources]])
    return hashlib.sha256(material.encode("utf-8")).hexdigest()


def entry_path(sources: Sequence[tuple[str, str]], env: Mapping[str, str] | None = None) -> Path:
    return cache_dir(env) / f"{key(sources)}.json"


def trusted(st: os.stat_result) -> bool:
    """Whether a cache file is this user's and writable by no one else (POSIX).

    A file another user owns, or could have rewritten, may hold a planted policy: ignore it.
    """
    getuid = getattr(os, "getuid", None)
    if getuid is None:  # Windows: the per-user cache directory's ACL is the protection
        return True
    return st.st_uid == getuid() and not st.st_mode & 0o022


def read(path: Path) -> Any:
    """The decoded entry at ``path``; None when it is missing, unreadable, untrusted or not JSON."""
    try:
        with path.open("rb") as handle:
            if not trusted(os.fstat(handle.fileno())):
                return None
            return json.loads(handle.read())
    except (OSError, ValueError):
        return None


def write(path: Path, entry: Any) -> None:
    """Store ``entry`` atomically (temp file in the same directory, mode 0600, os.replace).

    Best effort: a read-only or full disk must never fail the run, so errors are swallowed.
    """
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        import tempfile  # only on a cache miss

        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".json")
    except OSError:
        return
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(entry, handle, separators=(",", ":"))
        os.replace(tmp, path)
    except OSError:
        Path(tmp).unlink(missing_ok=True)
