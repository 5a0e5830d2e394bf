"""The certificate directory is where private keys go: a ``certs/`` that is a symlink, one that
resolves outside the repository, or one we cannot write is exit 2 with a clear message, and
nothing is written anywhere. Real directories, the real console script."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import run_cli

pytestmark = pytest.mark.slow  # the console script in a subprocess


def _certs(*args: str, honour_permissions: bool = False) -> tuple[int, str]:
    proc = run_cli("certs", *args, honour_permissions=honour_permissions)
    return proc.returncode, proc.stderr


def test_a_symlinked_certs_dir_is_refused(repo: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (repo / "certs").symlink_to(elsewhere)
    for action in (("issue", "api"), ("init",), ("status",)):
        code, err = _certs(*action, "--repo", str(repo))
        assert code == 2, err
        assert f"{repo / 'certs'}: the certificate directory is a symlink (to {elsewhere})" in err
    assert list(elsewhere.iterdir()) == []
    check = run_cli("check", str(repo), "--gate", "certs")
    assert check.returncode == 2  # the gate agrees: an errored gate, input error


def test_a_certs_dir_outside_the_repository_is_refused(repo: Path, tmp_path: Path) -> None:
    # The policy refuses `dir = "../x"` itself; a symlinked parent leads out all the same.
    outside = tmp_path / "outside"
    outside.mkdir()
    (repo / "deploy").symlink_to(outside)
    (repo / "pyproject.toml").write_text('[tool.gatekeeper.certs]\ndir = "deploy/certs"\n')
    code, err = _certs("issue", "api", "--repo", str(repo))
    assert code == 2, err
    assert "deploy/certs: the certificate directory resolves outside the repository" in err
    assert list(outside.iterdir()) == []


def test_a_read_only_certs_dir_is_exit_2(repo: Path) -> None:
    assert _certs("init", "--repo", str(repo))[0] == 0
    certs = repo / "certs"
    certs.chmod(0o555)
    try:
        code, err = _certs("issue", "api", "--repo", str(repo), honour_permissions=True)
    finally:
        certs.chmod(0o755)
    assert code == 2, err
    assert f"{certs}: the certificate directory is not writable" in err
    assert "Traceback" not in err
    assert sorted(p.name for p in certs.iterdir()) == ["ca.pem"]


def test_a_certs_dir_that_cannot_be_created_is_exit_2(repo: Path) -> None:
    repo.chmod(0o555)
    try:
        code, err = _certs("init", "--repo", str(repo), honour_permissions=True)
    finally:
        repo.chmod(0o755)
    assert code == 2, err
    assert "cannot create the certificate directory: Permission denied" in err
