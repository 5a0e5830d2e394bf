"""Where the local advisory database lives (standard library only)."""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from pathlib import Path

#: Environment variable naming the database directory; wins over the default location.
ENV_DB = "GATEKEEPER_ADVISORY_DB"
#: Environment variable naming gatekeeper's cache directory (the database's default home).
ENV_CACHE_DIR = "GATEKEEPER_CACHE_DIR"
#: The file inside the database directory that holds the index and the advisories.
DB_FILE = "advisories.gkdb"


def default_db_path(env: Mapping[str, str] | None = None, platform: str | None = None) -> Path:
    """The per-user cache directory for the advisory database.

    ``$GATEKEEPER_CACHE_DIR/advisories`` when that is set, on every platform; else on
    Linux and other Unixes: ``$XDG_CACHE_HOME/gatekeeper/advisories`` (``~/.cache`` by default);
    macOS: ``~/Library/Caches/gatekeeper/advisories``; Windows:
    ``%LOCALAPPDATA%\\gatekeeper\\Cache\\advisories``.
    """
    env = os.environ if env is None else env
    if env.get(ENV_CACHE_DIR):
        return Path(env[ENV_CACHE_DIR]).expanduser() / "advisories"
    platform = sys.platform if platform is None else platform
    if platform == "win32":
        base = Path(env.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local")
        return base / "gatekeeper" / "Cache" / "advisories"
    if platform == "darwin":
        return Path.home() / "Library" / "Caches" / "gatekeeper" / "advisories"
    cache = env.get("XDG_CACHE_HOME")
    base = Path(cache) if cache and Path(cache).is_absolute() else Path.home() / ".cache"
    return base / "gatekeeper" / "advisories"


def resolve_db_path(path: Path | str | None = None, env: Mapping[str, str] | None = None) -> Path:
    """``path`` if given, else ``$GATEKEEPER_ADVISORY_DB``, else :func:`default_db_path`."""
    if path is not None and str(path):
        return Path(path).expanduser()
    env = os.environ if env is None else env
    if env.get(ENV_DB):
        return Path(env[ENV_DB]).expanduser()
    return default_db_path(env)
