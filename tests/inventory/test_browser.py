"""The HTML page in a real browser: headless Chromium sorts it from the URL fragment, and the
rendered rows keep their generation colours."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from gatekeeper.inventory.html import COLOURS
from gatekeeper.inventory.model import Inventory, Row
from gatekeeper.inventory.render import render

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
_ROW = re.compile(
    r'<tr class="gen-(?P<gen>[a-z]+)" data-service="(?P<service>[^"]+)"(?P<rest>[^>]*)>'
)


def dump_dom(page: Path, fragment: str, profile: Path) -> str:
    done = subprocess.run(  # noqa: S603  # a fixed program and arguments
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            f"--user-data-dir={profile}",
            "--dump-dom",
            page.as_uri() + fragment,
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return done.stdout


@pytest.mark.slow
def test_chromium_sorts_and_colours_the_rows(tmp_path: Path) -> None:
    if not Path(CHROMIUM).exists():
        pytest.fail("chromium is not installed (.ci/run installs Debian's chromium)")
    rows = (
        Row("beta", python="3.9", generation="naughty"),
        Row("alpha", python="3.14", generation="current"),
        Row("gamma", python="3.12", generation="maintenance"),
        Row("delta", empty=True, notes=("empty repository",)),
        Row("epsilon", python="3.10", generation="naughty"),
    )
    page = tmp_path / "inventory.html"
    page.write_text(render(Inventory("corp", rows), "html"))

    by_python = dump_dom(page, "#sort=-python", tmp_path / "profile")
    found = [(m["service"], m["gen"], m["rest"]) for m in _ROW.finditer(by_python)]
    # Descending by version, numerically (3.14 before 3.12 before 3.10 before 3.9).
    assert [s for s, _, _ in found] == ["alpha", "gamma", "epsilon", "beta", "delta"]
    for _, generation, rest in found:
        colour = COLOURS.get(generation)
        assert (f"background-color: {colour}" in rest) if colour else ("style" not in rest)
    assert 'aria-sort="descending"' in by_python

    by_generation = dump_dom(page, "#sort=generation", tmp_path / "profile")
    order = [m["service"] for m in _ROW.finditer(by_generation)]
    assert order[:2] == ["beta", "epsilon"] and order[2:] == ["gamma", "alpha", "delta"]
