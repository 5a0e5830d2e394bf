from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from tests.servers import Bao, bao_server


@pytest.fixture(scope="session", autouse=True)
def private_cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Never write to the real user cache; subprocesses inherit the variable."""
    previous = os.environ.get("GATEKEEPER_CACHE_DIR")
    os.environ["GATEKEEPER_CACHE_DIR"] = str(tmp_path_factory.mktemp("gatekeeper-cache"))
    yield
    if previous is None:
        del os.environ["GATEKEEPER_CACHE_DIR"]
    else:
        os.environ["GATEKEEPER_CACHE_DIR"] = previous


@pytest.fixture(scope="session")
def bao() -> Iterator[Bao]:
    """One real OpenBao dev server for the whole session (Vault API, via hvac)."""
    with bao_server() as server:
        yield server
