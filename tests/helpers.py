"""Small helpers shared by tests: run the real console script, make real git repos."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

_AMBIENT = frozenset(
    {"GITHUB_ACTIONS", "GITHUB_STEP_SUMMARY", "GATEKEEPER_FORMAT", "GATEKEEPER_POLICY"}
)


def unprivileged() -> list[str]:
    """A command prefix under which file permissions hold even for root (as in a container):
    ``setpriv`` drops the capabilities that bypass them. Empty when not root."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:  # pragma: no cover - util-linux is on every Linux CI image
        raise RuntimeError("running as root without setpriv: permissions cannot be tested")
    return [setpriv, "--bounding-set", "-dac_override,-dac_read_search,-fowner", "--"]


def run_cli(
    *args: str,
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
    timeout: float = 120,
    honour_permissions: bool = False,
) -> subprocess.CompletedProcess[str]:
    """Run ``python -m gatekeeper ARGS`` in a subprocess (the console script's entry point);
    with ``honour_permissions``, as a user that read-only files and directories stop."""
    # The caller's CI environment must not leak into what the test asserts.
    full_env = {k: v for k, v in os.environ.items() if k not in _AMBIENT}
    full_env.update(env or {})
    prefix = unprivileged() if honour_permissions else []
    return subprocess.run(
        [*prefix, sys.executable, "-m", "gatekeeper", *args],
        cwd=cwd,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def git(root: Path, *args: str) -> str:
    proc = subprocess.run(
        ["git", "-C", str(root), *args],
        check=True,
        capture_output=True,
        text=True,
        env={
            **os.environ,
            "GIT_AUTHOR_NAME": "t",
            "GIT_AUTHOR_EMAIL": "t@example.invalid",
            "GIT_COMMITTER_NAME": "t",
            "GIT_COMMITTER_EMAIL": "t@example.invalid",
        },
    )
    return proc.stdout


def init_repo(root: Path) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    git(root, "init", "-q", "-b", "main")
    return root


def commit_all(root: Path, message: str = "change") -> None:
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", message)
