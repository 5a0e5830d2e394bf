"""Tiny real projects with real tests, measured by real coverage.py runs."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest

from gatekeeper.gates.coverage.gate import CoverageGate
from gatekeeper.gates.interface import GateContext
from gatekeeper.git import GitRepo
from gatekeeper.model import GateResult
from gatekeeper.policy.model import Policy
from gatekeeper.policy.validate import from_mapping

PYPROJECT = """\
[tool.coverage.run]
source = ["pkg"]
omit = ["*/skipped_*.py"]
"""

MOD = """\
def sign(x):
    if x > 0:
        return 1
    return -1


def gap(x):
    y = x * 2
    # a comment inside the gap
    z = y + 1
    return z


def loop(items):
    for item in items:
        print(item)
    return len(items)


def excluded():  # pragma: no cover
    return 0


def explained():  # pragma: no cover - only called by the OS signal handler
    return 1
"""

FULL_MOD = """\
def sign(x):
    if x > 0:
        return 1
    return -1
"""

TEST_GAP = """\
from pkg.mod import loop, sign


def test_sign():
    assert sign(2) == 1


def test_loop():
    assert loop([1]) == 1
"""

TEST_FULL = """\
from pkg.mod import sign


def test_sign():
    assert sign(2) == 1
    assert sign(-2) == -1
"""


def write(root: Path, files: Mapping[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    return root


def gap_project(root: Path) -> Path:
    """Missed lines, a branch never taken, an unimported file and a reasonless pragma."""
    return write(
        root,
        {
            "pyproject.toml": PYPROJECT,
            "pkg/__init__.py": "",
            "pkg/mod.py": MOD,
            "pkg/unused.py": "VALUE = 1\n\n\ndef unused():\n    return VALUE\n",
            "pkg/skipped_helper.py": "def helper():\n    return 1\n",
            "tests/test_mod.py": TEST_GAP,
        },
    )


def full_project(root: Path) -> Path:
    return write(
        root,
        {
            "pyproject.toml": PYPROJECT,
            "pkg/__init__.py": "",
            "pkg/mod.py": FULL_MOD,
            "tests/test_mod.py": TEST_FULL,
        },
    )


def clean_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("COVERAGE_")}


def measure(root: Path, *extra: str, branch: bool = True) -> None:
    """``coverage run -m pytest`` in ``root`` the way CI does, leaving ``root/.coverage``."""
    args = ["--branch"] if branch else []
    subprocess.run(
        [
            sys.executable,
            "-m",
            "coverage",
            "run",
            *args,
            *extra,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
        ],
        cwd=root,
        env=clean_env(),
        capture_output=True,
        check=False,
    )
    if list(root.glob(".coverage.*")):  # parallel = true: combine, as CI does
        subprocess.run(
            [sys.executable, "-m", "coverage", "combine", "-q"],
            cwd=root,
            env=clean_env(),
            check=True,
            capture_output=True,
        )
    assert (root / ".coverage").is_file()


def report(root: Path, kind: str, name: str) -> Path:
    subprocess.run(
        [sys.executable, "-m", "coverage", kind, "-q", "--fail-under=0", "-o", name],
        cwd=root,
        env=clean_env(),
        check=True,
        capture_output=True,
    )
    return root / name


def policy(**coverage: Any) -> Policy:
    return from_mapping(Policy, {"coverage": coverage})


RunGate = Callable[..., GateResult]


@pytest.fixture(autouse=True)
def project_venv(monkeypatch: pytest.MonkeyPatch) -> None:
    """The projects under test use this interpreter's environment (it has pytest and coverage)."""
    monkeypatch.setenv("VIRTUAL_ENV", sys.prefix)


@pytest.fixture
def run_gate() -> RunGate:
    def _run(root: Path, base_ref: str | None = None, **coverage: Any) -> GateResult:
        ctx = GateContext(
            root=root, policy=policy(**coverage), git=GitRepo(root), base_ref=base_ref
        )
        return CoverageGate().run(ctx)

    return _run


@pytest.fixture(scope="session")
def measured_gap(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A gap project measured once, with .coverage, coverage.json and coverage.xml."""
    root = gap_project(tmp_path_factory.mktemp("measured") / "proj")
    measure(root)
    report(root, "json", "coverage.json")
    report(root, "xml", "coverage.xml")
    return root


@pytest.fixture
def gap_copy(measured_gap: Path, tmp_path: Path) -> Path:
    """The measured project copied elsewhere: its data still names the original paths."""
    return Path(shutil.copytree(measured_gap, tmp_path / "moved" / "checkout"))
