from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.audit.osv_fixtures import build_db, write_osv
from tests.deps.simple_index import PROJECTS, simple_index


@pytest.fixture(scope="session")
def osv_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_osv(tmp_path_factory.mktemp("osv"))


@pytest.fixture(scope="session")
def db(osv_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh advisory database synced from the fixture advisories."""
    return build_db(osv_dir, tmp_path_factory.mktemp("db"))


@pytest.fixture(scope="session")
def stale_db(osv_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_db(osv_dir, tmp_path_factory.mktemp("stale"), age_days=5)


@pytest.fixture(scope="session")
def expired_db(osv_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_db(osv_dir, tmp_path_factory.mktemp("expired"), age_days=30)


@pytest.fixture(scope="session")
def index_url() -> Iterator[str]:
    with simple_index(PROJECTS) as url:
        yield url
