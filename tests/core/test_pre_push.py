"""The pre-push hook, installed in a real clone, pushing to a real (bare) remote."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import commit_all, git

pytestmark = pytest.mark.slow  # every test here starts a subprocess or a server

HOOK = Path(__file__).resolve().parents[2] / "scripts" / "pre-push"


def _push(repo: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    env.pop("GATEKEEPER_SKIP_HOOK", None)
    return subprocess.run(
        ["git", "-C", str(repo), "push", "-q", "origin", "HEAD:main"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


def test_pre_push_hook_blocks_a_failing_push_and_lets_a_good_one_through(tmp_path: Path) -> None:
    remote = tmp_path / "remote.git"
    subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(remote)], check=True)
    repo = tmp_path / "work"
    subprocess.run(["git", "clone", "-q", str(remote), str(repo)], check=True, capture_output=True)
    shutil.copy(HOOK, repo / ".git" / "hooks" / "pre-push")
    # Only the certs gate, so the hook's verdict depends on the policy alone.
    (repo / "pyproject.toml").write_text(
        "[tool.gatekeeper.coverage]\nenabled = false\n[tool.gatekeeper.audit]\nenabled = false\n"
    )
    (repo / "certs").mkdir()  # no certificate yet: the certs gate runs (a run of skips fails)
    commit_all(repo, "first")
    first = _push(repo)
    assert first.returncode == 0, first.stderr
    assert "PASSED" in first.stderr

    (repo / "pyproject.toml").write_text("[tool.gatekeeper.coverage]\nenabeld = false\n")
    commit_all(repo, "typo in the policy")
    blocked = _push(repo)
    assert blocked.returncode != 0
    assert "coverage.enabeld: unknown key" in blocked.stderr
    assert git(remote, "log", "--format=%s", "-1", "main").strip() == "first"
