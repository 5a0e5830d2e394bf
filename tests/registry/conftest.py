"""One real devpi-server per test session (started by devpi/start.sh), and clients on it."""

from __future__ import annotations

import secrets
from collections.abc import Iterator

import pytest
from pydantic import SecretStr

from gatekeeper.registry.devpi import DevpiClient
from tests.servers import Devpi, devpi_server


@pytest.fixture(scope="session")
def devpi() -> Iterator[Devpi]:
    with devpi_server() as server:
        yield server


@pytest.fixture
def org() -> str:
    """A fresh organisation name per test, so tests sharing the server never collide."""
    return f"org{secrets.token_hex(4)}"


@pytest.fixture
def root(devpi: Devpi) -> Iterator[DevpiClient]:
    """A client logged in as devpi's root."""
    with DevpiClient(devpi.url) as client:
        client.login("root", SecretStr(devpi.root_password))
        yield client
