"""Every file the certificate commands read is a bounded read of a regular file.

Built from the real case (``cert.pem`` symlinked to ``/dev/zero`` hung ``certs status``): the trust
bundle, the CRL, the CA's root certificate, its index and revocation tables, run through the
real console script; a FIFO or a device there is exit 2 naming the path, never a hang.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from gatekeeper.pki.store import CertStore
from tests.helpers import run_cli

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def issued(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, dict[str, str]]:
    root = tmp_path_factory.mktemp("repo")
    ca = tmp_path_factory.mktemp("state") / "ca"
    env = {"GATEKEEPER_CA_DIR": str(ca)}
    for args in (["init"], ["issue", "api"]):
        proc = run_cli("certs", *args, "--repo", str(root), env=env)
        assert proc.returncode == 0, proc.stderr
    return root, ca, env


def _replace(path: Path, target: str, tmp_path: Path) -> None:
    """``path`` becomes a FIFO, or a symlink to ``target``."""
    path.unlink()
    if target == "fifo":
        os.mkfifo(path)
    else:
        path.symlink_to(target)


def _exit_2(proc: subprocess.CompletedProcess[str], needle: str) -> None:
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert needle in proc.stderr
    assert "Traceback" not in proc.stderr and "internal error" not in proc.stderr


@pytest.fixture
def copy(
    issued: tuple[Path, Path, dict[str, str]], tmp_path: Path
) -> tuple[Path, Path, dict[str, str]]:
    """A private copy of the repository and the CA, free to damage."""
    root, ca, _ = issued
    shutil.copytree(root, tmp_path / "repo", symlinks=True)
    shutil.copytree(ca, tmp_path / "ca", symlinks=True)
    return tmp_path / "repo", tmp_path / "ca", {"GATEKEEPER_CA_DIR": str(tmp_path / "ca")}


@pytest.mark.parametrize("name", ["ca.pem", "crl.pem"])
@pytest.mark.parametrize("target", ["/dev/zero", "fifo"])
def test_verify_with_a_bundle_or_crl_that_is_not_a_regular_file(
    copy: tuple[Path, Path, dict[str, str]], tmp_path: Path, name: str, target: str
) -> None:
    root, _, env = copy
    path = root / "certs" / name
    if not path.exists():
        path.write_bytes(b"")
    _replace(path, target, tmp_path)
    proc = run_cli("certs", "verify", "api", "--repo", str(root), env=env, timeout=30)
    _exit_2(proc, f"{path}: cannot read it: not a regular file")


def test_verify_with_a_damaged_crl_fails(copy: tuple[Path, Path, dict[str, str]]) -> None:
    root, _, env = copy
    (root / "certs" / "crl.pem").write_bytes(b"-----BEGIN X509 CRL-----\nnope\n")
    proc = run_cli("certs", "verify", "api", "--repo", str(root), env=env, timeout=30)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert f"FAIL: {root / 'certs' / 'crl.pem'} is not a PEM certificate revocation list" in (
        proc.stdout
    )
    assert "verification FAILED" in proc.stdout


@pytest.mark.parametrize(
    ("name", "args", "needle"),
    [
        ("root.pem", ["issue", "api"], "cannot read the CA certificate: not a regular file"),
        ("index.tsv", ["issue", "api"], "cannot write it: not a regular file"),
        ("/dev/null", ["issue", "api"], "cannot write it: not a regular file"),
        ("index.tsv", ["revoke", "api"], "cannot read it: not a regular file"),
    ],
)
def test_ca_files_that_are_fifos(
    copy: tuple[Path, Path, dict[str, str]], tmp_path: Path, name: str, args: list[str], needle: str
) -> None:
    root, ca, env = copy
    if name == "/dev/null":  # opens for writing at once, but is no file to append to
        name = "index.tsv"
        _replace(ca / name, "/dev/null", tmp_path)
    else:
        _replace(ca / name, "fifo", tmp_path)
    proc = run_cli("certs", *args, "--repo", str(root), env=env, timeout=30)
    _exit_2(proc, f"{ca / name}: {needle}")


@pytest.mark.parametrize("name", ["index.tsv", "revoked.tsv"])
@pytest.mark.parametrize(
    "bad", ["no tab here", "0102\t2030-01-01T00:00:00+00:00", "01:02\tyesterday"]
)
def test_revoke_with_a_damaged_table(
    copy: tuple[Path, Path, dict[str, str]], name: str, bad: str
) -> None:
    root, ca, env = copy
    table = ca / name
    with table.open("a") as handle:
        handle.write(f"01:02\t2030-01-01T00:00:00+00:00\n{bad}\n")
    proc = run_cli("certs", "revoke", "api", "--repo", str(root), env=env, timeout=30)
    last = len(table.read_text().splitlines())
    _exit_2(proc, f"{table}:{last}: malformed line: expected a serial and a time")


def test_revoked_table_that_is_a_fifo(
    copy: tuple[Path, Path, dict[str, str]], tmp_path: Path
) -> None:
    root, ca, env = copy
    os.mkfifo(ca / "revoked.tsv")
    proc = run_cli("certs", "revoke", "api", "--repo", str(root), env=env, timeout=30)
    _exit_2(proc, f"{ca / 'revoked.tsv'}: cannot read it: not a regular file")


def test_write_bundle_never_reads_a_device(tmp_path: Path) -> None:
    store = CertStore(tmp_path / "certs")
    store.path.mkdir()
    (store.path / "ca.pem").symlink_to("/dev/zero")
    bundle = store.write_bundle(b"ROOT\n")
    assert not bundle.is_symlink() and bundle.read_bytes() == b"ROOT\n"
    assert store.read_shared("ca.pem") == b"ROOT\n"
    assert store.read_shared("crl.pem") is None


def test_a_table_that_is_not_utf8(copy: tuple[Path, Path, dict[str, str]]) -> None:
    root, ca, env = copy
    (ca / "index.tsv").write_bytes(b"01:02\t\xff\n")
    proc = run_cli("certs", "revoke", "api", "--repo", str(root), env=env, timeout=30)
    _exit_2(proc, f"{ca / 'index.tsv'}: cannot read it: not UTF-8")


def test_a_failed_append_to_a_ca_table_names_the_table(tmp_path: Path) -> None:
    """A write that fails after the open (a full disk) is exit 2 naming the table, not a crash."""
    from gatekeeper.errors import ConfigError
    from gatekeeper.pki.local import _append

    table = tmp_path / "index.tsv"
    table.write_text("")
    fd = os.open(table, os.O_RDONLY)  # writing to it fails in the kernel, as ENOSPC would
    try:
        with pytest.raises(ConfigError, match=r"index.tsv: cannot write it: Bad file descriptor"):
            _append(fd, table, b"line\n")
    finally:
        os.close(fd)
    assert ConfigError.exit_code == 2
