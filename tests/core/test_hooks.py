"""`gatekeeper hook`: install and uninstall in real repositories, pushes to a real bare remote."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import pytest

from gatekeeper import hooks
from gatekeeper.cli import main
from gatekeeper.errors import InputError
from gatekeeper.git import GitRepo
from tests.helpers import commit_all, git

ZERO = "0" * 40
A, B = "a" * 40, "b" * 40
SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "pre-push"
CERTS_ONLY = (
    "[tool.gatekeeper.coverage]\nenabled = false\n[tool.gatekeeper.audit]\nenabled = false\n"
    "[tool.gatekeeper.workflows]\nenabled = false\n[tool.gatekeeper.runtime]\nenabled = false\n"
)
TYPO = "[tool.gatekeeper.coverage]\nenabeld = false\n"


def test_scripts_pre_push_is_what_install_writes() -> None:
    assert SCRIPT.read_text() == hooks.HOOK_SCRIPT
    assert SCRIPT.stat().st_mode & 0o777 == 0o755


def test_bases_per_pushed_ref_without_git() -> None:
    git_repo = GitRepo(Path("/nonexistent"))
    lines = (
        f"refs/heads/a {A} refs/heads/a {B}\n\n"
        f"refs/heads/c {A} refs/heads/c {B}\n"  # the same base once
        f"(delete) {ZERO} refs/heads/gone {B}\n"
    )
    assert hooks.bases(git_repo, lines, "origin") == [B]
    assert hooks.bases(git_repo, f"refs/heads/n {A} refs/heads/n {ZERO}\n", "/a/path") == [None]
    with pytest.raises(InputError, match="line 1: expected"):
        hooks.bases(git_repo, "garbage\n", "origin")
    with pytest.raises(InputError, match="line 1: expected"):
        hooks.bases(git_repo, f"refs/heads/a {A} refs/heads/a nothex\n", "origin")


def test_pre_commit_base_is_the_from_ref() -> None:
    git_repo = GitRepo(Path("/nonexistent"))
    env = {"PRE_COMMIT_FROM_REF": B, "PRE_COMMIT_TO_REF": A}
    assert hooks.pre_commit_bases(git_repo, env) == [B]


# --- real repositories from here on ---------------------------------------------------------


def _env(**extra: str) -> dict[str, str]:
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    env.pop("GATEKEEPER_SKIP_HOOK", None)
    return {**env, **extra}


def _clone(tmp_path: Path) -> tuple[Path, Path]:
    remote = tmp_path / "remote.git"
    subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(remote)], check=True)
    repo = tmp_path / "work"
    subprocess.run(["git", "clone", "-q", str(remote), str(repo)], check=True, capture_output=True)
    (repo / "pyproject.toml").write_text(CERTS_ONLY)
    (repo / "certs").mkdir()  # no certificate: the certs gate runs and passes
    commit_all(repo, "first")
    return repo, remote


def _push(repo: Path, *refspec: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["git", "-C", str(repo), "push", "-q", "origin", *(refspec or ("HEAD:main",))],
        capture_output=True,
        text=True,
        env=_env(**env),
        timeout=120,
    )


def _hook(repo: Path, *args: str) -> int:
    return main(["hook", *args, str(repo)])


@pytest.mark.slow
def test_install_push_idempotence_and_uninstall(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo, remote = _clone(tmp_path)
    hook = repo / ".git" / "hooks" / "pre-push"
    assert _hook(repo, "install") == 0
    assert hook.read_text() == hooks.HOOK_SCRIPT
    assert hook.stat().st_mode & 0o777 == 0o755
    assert _hook(repo, "install") == 0
    assert "already installed" in capsys.readouterr().err
    first = _push(repo)
    assert first.returncode == 0, first.stderr
    assert "PASSED" in first.stderr

    (repo / "pyproject.toml").write_text(TYPO)
    commit_all(repo, "typo in the policy")
    blocked = _push(repo)
    assert blocked.returncode != 0
    assert "coverage.enabeld: unknown key" in blocked.stderr
    assert git(remote, "log", "--format=%s", "-1", "main").strip() == "first"
    skipped = _push(repo, GATEKEEPER_SKIP_HOOK="1")
    assert skipped.returncode == 0, skipped.stderr
    assert "skipped" in skipped.stderr

    assert _hook(repo, "uninstall") == 0
    assert not hook.exists()
    assert _hook(repo, "uninstall") == 0
    assert "not installed" in capsys.readouterr().err


@pytest.mark.slow
def test_an_existing_hook_is_chained_first_and_restored(tmp_path: Path) -> None:
    repo, remote = _clone(tmp_path)
    hook = repo / ".git" / "hooks" / "pre-push"
    seen = tmp_path / "seen"
    original = f'#!/bin/sh\necho "$@" > {seen}\ncat >> {seen}\nexit "${{FAIL:-0}}"\n'
    hook.write_text(original)
    hook.chmod(0o750)
    assert _hook(repo, "install") == 0
    chained = hook.with_name(hooks.CHAINED)
    assert chained.read_text() == original
    failed = _push(repo, FAIL="5")
    assert failed.returncode != 0
    assert "chained pre-push.gatekeeper-chained hook failed (5)" in failed.stderr
    assert git(remote, "branch", "--list").strip() == ""
    head = git(repo, "rev-parse", "HEAD").strip()
    assert seen.read_text() == f"origin {remote}\nHEAD {head} refs/heads/main {ZERO}\n"
    assert _push(repo).returncode == 0

    (hook.parent / "pre-push").write_text(hooks.HOOK_SCRIPT + "# older\n")
    assert _hook(repo, "install") == 0  # an older copy of ours: updated, still chained
    assert hook.read_text() == hooks.HOOK_SCRIPT
    assert _hook(repo, "uninstall") == 0
    assert hook.read_text() == original
    assert hook.stat().st_mode & 0o777 == 0o750
    assert not chained.exists()


@pytest.mark.slow
def test_foreign_hooks_are_never_overwritten(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo, _ = _clone(tmp_path)
    hook = repo / ".git" / "hooks" / "pre-push"
    hook.write_text("#!/bin/sh\nexit 0\n")
    assert _hook(repo, "uninstall") == 2
    assert "is not gatekeeper's hook: not touched" in capsys.readouterr().err
    hook.with_name(hooks.CHAINED).write_text("#!/bin/sh\nexit 0\n")
    assert _hook(repo, "install") == 2
    assert "neither is gatekeeper's" in capsys.readouterr().err
    assert hook.read_text() == "#!/bin/sh\nexit 0\n"


@pytest.mark.slow
def test_core_hooks_path_is_honoured(tmp_path: Path) -> None:
    repo, _ = _clone(tmp_path)
    git(repo, "config", "core.hooksPath", ".githooks")
    assert _hook(repo, "install") == 0
    assert (repo / ".githooks" / "pre-push").read_text() == hooks.HOOK_SCRIPT
    assert not (repo / ".git" / "hooks" / "pre-push").exists()
    (repo / "pyproject.toml").write_text(TYPO)
    commit_all(repo, "typo")
    assert _push(repo).returncode != 0


@pytest.mark.slow
def test_new_and_deleted_branches(tmp_path: Path) -> None:
    repo, remote = _clone(tmp_path)
    assert _push(repo).returncode == 0  # no hook yet
    git(repo, "fetch", "-q", "origin")
    git(repo, "remote", "set-head", "origin", "main")
    assert _hook(repo, "install") == 0
    git(repo, "checkout", "-q", "-b", "feature")
    (repo / "pyproject.toml").write_text(TYPO)
    commit_all(repo, "typo")
    new = _push(repo, "HEAD:feature")
    assert new.returncode != 0  # checked against its merge base with origin/main
    assert "coverage.enabeld" in new.stderr
    git(repo, "checkout", "-q", "main")
    git(remote, "branch", "old", "main")
    deleted = _push(repo, ":old")
    assert deleted.returncode == 0, deleted.stderr
    assert "PASSED" not in deleted.stderr  # nothing was checked


@pytest.mark.slow
def test_pre_commit_mode(tmp_path: Path) -> None:
    repo, _ = _clone(tmp_path)
    head = git(repo, "rev-parse", "HEAD").strip()

    def hook_run(**env: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "gatekeeper", "hook", "run", "--pre-commit"],
            cwd=repo,
            capture_output=True,
            text=True,
            env=_env(**env),
            timeout=120,
        )

    ok = hook_run(PRE_COMMIT_FROM_REF=head, PRE_COMMIT_TO_REF=head)
    assert ok.returncode == 0, ok.stderr
    assert "PASSED" in ok.stderr
    (repo / "pyproject.toml").write_text(TYPO)
    commit_all(repo, "typo")
    new_branch = hook_run(PRE_COMMIT_FROM_REF=ZERO, PRE_COMMIT_REMOTE_NAME="origin")
    assert new_branch.returncode == 2
    assert "coverage.enabeld" in new_branch.stderr


@pytest.mark.slow
def test_run_in_process_chains_then_checks_each_base(tmp_path: Path) -> None:
    repo, _ = _clone(tmp_path)
    head = git(repo, "rev-parse", "HEAD").strip()
    hooks_dir = repo / ".git" / "hooks"
    (hooks_dir / hooks.CHAINED).write_text("#!/bin/sh\nexit 0\n")
    chained: list[tuple[Path, list[str], bytes]] = []
    checked: list[str | None] = []

    def chain(path: Path, args: Sequence[str], stdin: bytes) -> int:
        chained.append((path, list(args), stdin))
        return 0

    def check(base: str | None) -> int:
        checked.append(base)
        return 0 if len(checked) == 1 else 1

    stdin = f"refs/heads/a {head} refs/heads/a {A}\nrefs/heads/b {head} refs/heads/b {B}\n"
    code = hooks.run(repo, ["origin", "url"], stdin.encode(), check, env={}, chain=chain)
    assert code == 1
    assert checked == [A, B]
    assert chained == [(hooks_dir / hooks.CHAINED, ["origin", "url"], stdin.encode())]
    checked.clear()
    one = f"refs/heads/a {head} refs/heads/a {A}\n".encode()
    assert hooks.run(repo, [], one, check, env={}, chain=chain) == 0
    assert checked == [A]


@pytest.mark.slow
def test_git_path_outside_a_repository_and_an_unreadable_untracked_file(tmp_path: Path) -> None:
    from gatekeeper.errors import UsageError

    with pytest.raises(UsageError, match="is not a git repository"):
        GitRepo(tmp_path).git_path("hooks")
    repo, _ = _clone(tmp_path)
    (repo / "link").symlink_to("missing")  # listed by git, unreadable: its name and why
    state = GitRepo(repo).state()
    assert b"link\0" in state
    assert b"unreadable: No such file or directory" in state
