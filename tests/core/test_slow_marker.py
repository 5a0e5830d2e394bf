"""The guard in tests/conftest.py: a test not marked ``slow`` cannot start a process."""

from __future__ import annotations

import asyncio
import subprocess
import sys

import pytest

from tests.conftest import SpawnInUnmarkedTest


def test_an_unmarked_test_cannot_start_a_subprocess() -> None:
    with pytest.raises(SpawnInUnmarkedTest, match=r"mark it @pytest.mark.slow"):
        subprocess.run([sys.executable, "-c", "pass"], check=False)


def test_nor_through_asyncio() -> None:
    async def spawn() -> None:
        await asyncio.create_subprocess_exec(sys.executable, "-c", "pass")

    with pytest.raises(SpawnInUnmarkedTest):
        asyncio.run(spawn())


@pytest.mark.slow
def test_a_slow_test_can() -> None:
    done = subprocess.run([sys.executable, "-c", "print('ran')"], capture_output=True, text=True)
    assert done.stdout == "ran\n"
