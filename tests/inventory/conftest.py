"""The fake organisation on a loopback server, a fake clock for the retries, the access."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import SecretStr

from gatekeeper.github.settings import Access, Credentials
from gatekeeper.inventory.run import Options
from tests.github.fake_server import fake_github
from tests.inventory.fake_org import FakeOrg
from tests.net.fakes import WALL, FakeTime

TOKEN = "ghs_" + "InvT0ken" * 5  # noqa: S105  # a fake
TODAY = dt.date(2026, 12, 1)


@pytest.fixture
def clock() -> FakeTime:
    return FakeTime()


@pytest.fixture
def org(clock: FakeTime) -> Iterator[FakeOrg]:
    with fake_github(FakeOrg(wall=lambda: WALL + clock.now)) as server:
        assert isinstance(server, FakeOrg)
        yield server


@pytest.fixture
def access(org: FakeOrg) -> Access:
    return Access(org.url, Credentials(token=SecretStr(TOKEN)))


@pytest.fixture
def options(tmp_path: Path, clock: FakeTime) -> Options:
    return Options(today=TODAY, cache_dir=tmp_path / "cache", clock=clock.clock())
