"""OS errors on paths are exit 2 naming the path, never a traceback; only regular files are read.

Built from the real cases: a report or ``$GITHUB_STEP_SUMMARY`` on a full disk (``/dev/full``),
``cert.pem`` symlinked to ``/dev/zero`` (it hung reading forever), a directory for
``advisories sync`` that cannot be written.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from gatekeeper.errors import ConfigError
from gatekeeper.fsutil import read_bounded
from gatekeeper.pki.keys import load_ca_key
from tests.helpers import run_cli

ROOT = Path(__file__).resolve().parents[2]


def _one_line_error(proc: subprocess.CompletedProcess[str], *needles: str) -> None:
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr and "internal error" not in proc.stderr
    for needle in needles:
        assert needle in proc.stderr


@pytest.mark.slow
@pytest.mark.parametrize(
    ("args", "env", "needle"),
    [
        (["-f", "json=/dev/full"], {}, "/dev/full: cannot write report: No space left on device"),
        (
            ["-f", "github"],
            {"GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": "/dev/full"},
            "/dev/full: cannot write report: No space left on device",
        ),
        (
            ["-f", "github"],
            {"GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": "/nonexistent-dir/summary.md"},
            "/nonexistent-dir/summary.md: cannot write report: No such file or directory",
        ),
    ],
)
def test_report_files_that_cannot_be_written(
    tmp_path: Path, args: list[str], env: dict[str, str], needle: str
) -> None:
    proc = run_cli("check", str(tmp_path), "--gate", "config", *args, env=env)
    _one_line_error(proc, needle)


@pytest.mark.slow
def test_stdout_on_a_full_disk(tmp_path: Path) -> None:
    with open("/dev/full", "w") as full:  # noqa: PTH123
        proc = subprocess.run(
            [sys.executable, "-m", "gatekeeper", "check", str(tmp_path), "--gate", "config"],
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            timeout=60,
            check=False,
        )
    assert proc.returncode == 2
    assert "stdout: cannot write report: No space left on device" in proc.stderr


@pytest.fixture(scope="module")
def issued(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    root = tmp_path_factory.mktemp("certs")
    env = {"GATEKEEPER_CA_DIR": str(root / "ca"), "GATEKEEPER_CA_PASSPHRASE": "pass phrase 1"}
    for args in (["init"], ["issue", "api"]):
        proc = run_cli("certs", *args, "--repo", str(root), env=env)
        assert proc.returncode == 0, proc.stderr
    return root, env


@pytest.mark.slow
@pytest.mark.parametrize("target", ["/dev/zero", "fifo"])
def test_a_certificate_that_is_not_a_regular_file(
    issued: tuple[Path, dict[str, str]], tmp_path: Path, target: str
) -> None:
    root, env = issued
    cert = root / "certs" / "api" / "cert.pem"
    saved = cert.read_bytes()
    if target == "fifo":
        target = str(tmp_path / "fifo")
        os.mkfifo(target)
    cert.unlink()
    cert.symlink_to(target)
    try:
        # certs status judges like the certs gate: an unreadable certificate is GK-CERT-004
        # (high), a failing finding, exit 1; and it never hangs reading the device or FIFO.
        status = run_cli("certs", "status", "--repo", str(root), env=env, timeout=30)
        assert status.returncode == 1, status.stdout + status.stderr
        assert "api: cannot read certificate: not a regular file" in status.stderr
        assert "Traceback" not in status.stderr
        verify = run_cli("certs", "verify", "api", "--repo", str(root), env=env, timeout=30)
        _one_line_error(verify, f"{cert}: cannot read it: not a regular file")
        (root / "pyproject.toml").write_text("[tool.gatekeeper.certs]\nenabled = true\n")
        gate = run_cli("check", str(root), "--gate", "certs", "-f", "json", env=env, timeout=30)
        assert gate.returncode != 0
        assert "not a regular file" in gate.stdout
    finally:
        cert.unlink()
        cert.write_bytes(saved)


@pytest.mark.slow
def test_a_ca_file_that_is_a_device_is_a_config_error(
    issued: tuple[Path, dict[str, str]], tmp_path: Path
) -> None:
    root, env = issued
    ca = tmp_path / "ca"
    ca.mkdir()
    for name in sorted(os.listdir(root / "ca")):
        (ca / name).symlink_to("/dev/zero")
    proc = run_cli(
        "certs", "issue", "api", "--repo", str(root), env={**env, "GATEKEEPER_CA_DIR": str(ca)}
    )
    _one_line_error(proc, "not a regular file")


def test_read_bounded_refuses_more_than_the_limit(tmp_path: Path) -> None:
    path = tmp_path / "big.pem"
    path.write_bytes(b"x" * 11)
    assert read_bounded(path, limit=11) == b"x" * 11
    with pytest.raises(OSError, match="larger than 10 bytes") as info:
        read_bounded(path, limit=10)
    assert info.value.strerror == "larger than 10 bytes"
    with pytest.raises(OSError, match="not a regular file"):
        read_bounded(tmp_path)


def test_a_ca_key_that_is_a_device(tmp_path: Path) -> None:
    key = tmp_path / "key.pem"
    key.symlink_to("/dev/zero")
    with pytest.raises(ConfigError, match="cannot read the CA key: not a regular file"):
        load_ca_key(key, None)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("db", "reason"), [("/dev/full/db", "Not a directory"), ("/proc/gk-db", "No such file")]
)
def test_advisories_sync_into_a_directory_that_cannot_be_written(db: str, reason: str) -> None:
    proc = run_cli(
        "advisories", "sync", "--from", str(ROOT / "examples" / "advisories"), "--db", db
    )
    _one_line_error(proc, f"{db}: cannot write the advisory database: {reason}")
