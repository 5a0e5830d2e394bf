"""One real devpi-server per test session (started by devpi/start.sh), and clients on it."""

from __future__ import annotations

import secrets
from collections.abc import Iterator

import pytest

from tests.servers import Devpi, devpi_server


@pytest.fixture(scope="session")
def devpi() -> Iterator[Devpi]:
    with devpi_server() as server:
        yield server


@pytest.fixture
def org() -> str:
    """A fresh organisation name per test, so tests sharing the server never collide."""
    return f"org{secrets.token_hex(4)}"
