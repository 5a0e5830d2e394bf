from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.servers import Bao, bao_server


@pytest.fixture(scope="session")
def bao() -> Iterator[Bao]:
    """One real OpenBao dev server for the whole session (Vault API, via hvac)."""
    with bao_server() as server:
        yield server
