"""The whole run: list, fetch concurrently through the ETag cache, analyse, enrich."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from gatekeeper.inventory import analyse, enrich
from gatekeeper.inventory.cache import EtagCache, cache_path
from gatekeeper.inventory.fetch import (
    WORKERS,
    Contents,
    Progress,
    fetch_all,
    fetch_repository,
    list_repositories,
)
from gatekeeper.inventory.model import Inventory
from gatekeeper.net.http import REAL_CLOCK
from gatekeeper.net.retry import Clock

if TYPE_CHECKING:
    from gatekeeper.advisories import AdvisorySource
    from gatekeeper.deps.index import IndexClient
    from gatekeeper.github.settings import Access


@dataclass(frozen=True)
class Options:
    prefixes: Sequence[str] = ("corp-",)
    today: dt.date | None = None
    workers: int = WORKERS
    #: The cache's base directory (default: ``fsutil.cache_dir()``).
    cache_dir: Path | None = None
    progress: TextIO | None = None
    clock: Clock = REAL_CLOCK


def build(
    org: str,
    access: Access,
    options: Options,
    *,
    index: IndexClient | None = None,
    advisories: AdvisorySource | None = None,
) -> Inventory:
    from gatekeeper.github.client import POLICY, connect

    gh = connect(access, policy=POLICY, clock=options.clock)
    listing = list_repositories(gh, org, access.api_url)
    cache = EtagCache(cache_path(access.api_url, org, options.cache_dir))
    contents = Contents(gh, cache, access.api_url)
    progress = Progress(len(listing.repos), options.progress)
    found = fetch_all(
        lambda name, url: fetch_repository(contents, name, url),
        listing.repos,
        progress,
        options.workers,
    )
    cache.save()
    today = options.today or dt.datetime.now(dt.UTC).date()
    rows = [analyse.row(files, options.prefixes, today) for files in found if files is not None]
    if index is not None:
        rows = enrich.with_index(rows, index)
    if advisories is not None:
        rows = enrich.with_advisories(rows, advisories)
    return Inventory(
        org,
        tuple(rows),
        archived=listing.archived,
        not_python=found.count(None),
        advisories=advisories is not None,
    )
