"""Where the local advisory database lives (standard library only)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from gatekeeper.fsutil import cache_dir

#: Environment variable naming the database directory; wins over the default location.
ENV_DB = "GATEKEEPER_ADVISORY_DB"
#: Environment variable naming gatekeeper's cache directory (the database's default home).
ENV_CACHE_DIR = "GATEKEEPER_CACHE_DIR"
#: The file inside the database directory that holds the index and the advisories.
DB_FILE = "advisories.gkdb"


def default_db_path(env: Mapping[str, str] | None = None, platform: str | None = None) -> Path:
    """``advisories`` in gatekeeper's cache directory (:func:`gatekeeper.fsutil.cache_dir`)."""
    return cache_dir(env, platform) / "advisories"


def resolve_db_path(path: Path | str | None = None, env: Mapping[str, str] | None = None) -> Path:
    """``path`` if given, else ``$GATEKEEPER_ADVISORY_DB``, else :func:`default_db_path`."""
    if path is not None and str(path):
        return Path(path).expanduser()
    env = os.environ if env is None else env
    if env.get(ENV_DB):
        return Path(env[ENV_DB]).expanduser()
    return default_db_path(env)
