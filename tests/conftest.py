from __future__ import annotations

import contextlib
import os
import subprocess
from collections.abc import Iterator
from typing import Any

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


class SpawnInUnmarkedTest(AssertionError):
    """A test not marked ``slow`` started a process: mark it, or the fast loop rots."""


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item: pytest.Item) -> Iterator[None]:
    with _no_spawn_unless_slow(item):
        return (yield)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    with _no_spawn_unless_slow(item):
        return (yield)


@contextlib.contextmanager
def _no_spawn_unless_slow(item: pytest.Item) -> Iterator[None]:
    """Refuse ``subprocess.Popen`` (and so ``run``, asyncio's subprocesses, coverage's
    subprocess runs) in a test without ``@pytest.mark.slow``, so ``pytest -m "not slow"``
    stays a fast inner loop and a new process-starting test cannot slip into it unmarked."""
    if item.get_closest_marker("slow") is not None:
        yield
        return
    original = subprocess.Popen.__init__

    def refuse(self: subprocess.Popen[Any], args: Any, *rest: Any, **kwargs: Any) -> None:
        raise SpawnInUnmarkedTest(
            f"{item.nodeid} starts a subprocess ({args!r}): mark it @pytest.mark.slow"
        )

    subprocess.Popen.__init__ = refuse  # type: ignore[method-assign]
    try:
        yield
    finally:
        subprocess.Popen.__init__ = original  # type: ignore[method-assign]
