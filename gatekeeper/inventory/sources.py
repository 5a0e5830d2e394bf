"""The optional backends: the internal index (when ``internal.index_url`` is set) and the
advisory database (when one was synced)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from gatekeeper.advisories import AdvisorySource
    from gatekeeper.deps.index import IndexClient


@contextmanager
def index_client(url: str | None) -> Iterator[IndexClient | None]:
    if url is None:
        yield None
        return
    from gatekeeper.deps.index import IndexClient

    with IndexClient(url) as client:
        yield client


@contextmanager
def advisory_source(db: Path | None) -> Iterator[AdvisorySource | None]:
    """The local database at ``db`` (else the default place); None when there is none. A
    database that is there but unreadable is an error (exit 2), never a silent skip."""
    from gatekeeper.advisories import open_db, resolve_db_path
    from gatekeeper.advisories.store import db_file

    if not db_file(resolve_db_path(db)).exists():
        yield None
        return
    source = open_db(db)
    try:
        yield source
    finally:
        source.close()
