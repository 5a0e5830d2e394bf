from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from gatekeeper.deps.interface import Reader
from tests.deps.simple_index import PROJECTS, simple_index


@pytest.fixture
def files() -> Callable[..., Reader]:
    """A reader over an in-memory tree: ``files({"a.txt": "..."})``."""

    def make(tree: dict[str, str]) -> Reader:
        return tree.get

    return make


@pytest.fixture(scope="session")
def index_url() -> Iterator[str]:
    """A real local simple index (see simple_index.py); the base URL without a mode."""
    with simple_index(PROJECTS) as url:
        yield url
