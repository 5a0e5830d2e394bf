"""``scripts/action/base.sh``: PR mode's base is fetched when missing, and a base that cannot be
had fails the step; a shallow clone never silently becomes a full run. Real git, real clones."""

from __future__ import annotations

import base64
import os
import subprocess
from pathlib import Path

import pytest

from tests.helpers import git

REPO_ROOT = Path(__file__).resolve().parents[2]
BASE_SH = REPO_ROOT / "scripts" / "action" / "base.sh"


def run_base(
    clone: Path, tmp_path: Path, **env: str
) -> tuple[subprocess.CompletedProcess[str], str]:
    output = tmp_path / "github_output"
    output.write_text("")
    keep = {k: v for k, v in os.environ.items() if k in {"PATH", "HOME"}}
    proc = subprocess.run(  # noqa: S603
        ["bash", str(BASE_SH)],  # noqa: S607
        env={**keep, "GK_PATH": str(clone), "GITHUB_OUTPUT": str(output), **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    return proc, output.read_text()


@pytest.fixture
def origin(tmp_path: Path) -> Path:
    repo = tmp_path / "origin"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    for name in ("one", "two"):
        (repo / name).write_text(name)
        git(repo, "add", "-A")
        git(repo, "commit", "-qm", name)
    git(repo, "checkout", "-q", "-b", "feature")
    (repo / "three").write_text("three")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "three")
    return repo


def shallow_clone(origin: Path, tmp_path: Path) -> Path:
    clone = tmp_path / "clone"
    subprocess.run(  # noqa: S603
        [
            "git",
            "clone",
            "-q",
            "--depth=1",
            "--single-branch",
            "--branch",
            "feature",  # noqa: S607
            f"file://{origin}",
            str(clone),
        ],
        check=True,
        capture_output=True,
    )
    return clone


@pytest.mark.slow
def test_a_pull_request_fetches_its_base_into_a_shallow_clone(origin: Path, tmp_path: Path) -> None:
    clone = shallow_clone(origin, tmp_path)
    proc, output = run_base(
        clone, tmp_path, GITHUB_EVENT_NAME="pull_request", GITHUB_BASE_REF="main"
    )
    assert proc.returncode == 0, proc.stderr
    assert output == "base=origin/main\n"
    assert git(clone, "rev-parse", "origin/main") == git(origin, "rev-parse", "main")


@pytest.mark.slow
def test_a_base_that_cannot_be_fetched_fails_loudly(origin: Path, tmp_path: Path) -> None:
    clone = shallow_clone(origin, tmp_path)
    proc, output = run_base(
        clone, tmp_path, GITHUB_EVENT_NAME="pull_request", GITHUB_BASE_REF="gone"
    )
    assert proc.returncode == 2
    assert "refusing to fall back to a full run" in proc.stderr
    assert output == ""


@pytest.mark.slow
def test_a_push_is_a_full_run_and_a_given_base_is_used(origin: Path, tmp_path: Path) -> None:
    clone = shallow_clone(origin, tmp_path)
    proc, output = run_base(clone, tmp_path, GITHUB_EVENT_NAME="push")
    assert proc.returncode == 0 and output == "base=\n"
    proc, output = run_base(clone, tmp_path, GK_BASE="origin/main", GK_TOKEN="t0ken-value")
    assert proc.returncode == 0 and output == "base=origin/main\n"
    encoded = base64.b64encode(b"x-access-token:t0ken-value").decode()
    assert "t0ken-value" not in proc.stdout + proc.stderr
    assert encoded not in proc.stdout + proc.stderr
