"""Atomic writes: key files 0600 from the first byte, whole-directory replacement, cleanup."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from gatekeeper.errors import CertificateError
from gatekeeper.pki import fs
from gatekeeper.pki.interface import IssuedCertificate
from gatekeeper.pki.store import CertStore
from tests.pki.listing import listing

ISSUED = IssuedCertificate(b"KEY\n", b"CERT\n", b"CHAIN\n", b"ROOT\n", "01")


def test_issued_certificate_hides_the_key() -> None:
    assert "KEY" not in repr(ISSUED)
    assert ISSUED.fullchain_pem == b"CERT\nCHAIN\n"


def test_write_service_modes_ignore_umask(tmp_path: Path) -> None:
    old = os.umask(0o000)
    try:
        path = CertStore(tmp_path / "certs").write_service("api", ISSUED)
    finally:
        os.umask(old)
    modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in path.iterdir()}
    assert modes == {
        "key.pem": 0o600,
        "cert.pem": 0o644,
        "chain.pem": 0o644,
        "fullchain.pem": 0o644,
    }
    assert (path / "key.pem").read_bytes() == b"KEY\n"


def test_replacement_swaps_whole_directory(tmp_path: Path) -> None:
    store = CertStore(tmp_path / "certs")
    store.write_service("api", ISSUED)
    inode = (store.path / "api").stat().st_ino
    store.write_service("api", IssuedCertificate(b"K2\n", b"C2\n", b"", b"R\n", "02"))
    assert (store.path / "api" / "key.pem").read_bytes() == b"K2\n"
    assert (store.path / "api" / "cert.pem").read_bytes() == b"C2\n"
    assert (store.path / "api").stat().st_ino != inode
    assert listing(store.path) == ["api"]  # no staging leftovers
    assert store.services() == ["api"]


def test_two_step_fallback(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fs, "exchange_dirs", lambda new, target: False)
    store = CertStore(tmp_path / "certs")
    store.write_service("api", ISSUED)
    store.write_service("api", IssuedCertificate(b"K2\n", b"C2\n", b"", b"R\n", "02"))
    assert (store.path / "api" / "key.pem").read_bytes() == b"K2\n"
    assert listing(store.path) == ["api"]


def test_two_step_failure_restores_the_old_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = CertStore(tmp_path / "certs")
    store.write_service("api", ISSUED)
    monkeypatch.setattr(fs, "exchange_dirs", lambda new, target: False)
    real_rename = os.rename

    def failing(src: object, dst: object) -> None:
        if ".new-" in str(src):
            raise OSError(28, "No space left on device")
        real_rename(src, dst)  # type: ignore[arg-type]

    monkeypatch.setattr("gatekeeper.pki.fs.os.rename", failing)
    with pytest.raises(OSError, match="No space"):
        store.write_service("api", IssuedCertificate(b"K2\n", b"C2\n", b"", b"R\n", "02"))
    assert (store.path / "api" / "key.pem").read_bytes() == b"KEY\n"
    assert listing(store.path) == ["api"]


def test_failed_write_leaves_old_pair_and_no_staging(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = CertStore(tmp_path / "certs")
    store.write_service("api", ISSUED)

    def broken(path: Path, data: bytes, mode: int = 0o644, *, sync: bool = True) -> None:
        raise OSError(5, "I/O error")

    monkeypatch.setattr(fs, "write_file", broken)
    with pytest.raises(OSError, match="I/O error"):
        store.write_service("api", IssuedCertificate(b"K2\n", b"C2\n", b"", b"R\n", "02"))
    assert (store.path / "api" / "key.pem").read_bytes() == b"KEY\n"
    assert listing(store.path) == ["api"]


def test_large_writes_are_complete(tmp_path: Path) -> None:
    data = os.urandom(3 * 1024 * 1024)
    fs.write_file(tmp_path / "big", data)
    assert (tmp_path / "big").read_bytes() == data


def test_bundle_crl_and_reads(tmp_path: Path) -> None:
    store = CertStore(tmp_path / "certs")
    assert store.services() == []
    bundle = store.write_bundle(b"ROOT\n")
    mtime = bundle.stat().st_mtime_ns
    assert store.write_bundle(b"ROOT\n").stat().st_mtime_ns == mtime  # unchanged: not rewritten
    store.write_bundle(b"ROOT2\n")
    assert bundle.read_bytes() == b"ROOT2\n"
    assert store.write_crl(b"CRL\n").read_bytes() == b"CRL\n"
    with pytest.raises(CertificateError, match="no certificate for service 'api'"):
        store.read("api", "cert.pem")
    with pytest.raises(CertificateError, match="invalid service name"):
        store.service_dir("../x")
    (store.path / "Bad.Name").mkdir()
    (store.path / "Bad.Name" / "cert.pem").write_bytes(b"")
    assert store.services() == []


def test_sync_falls_back_to_fsync_per_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    synced: list[int] = []
    real_fsync = os.fsync

    def counting(fd: int) -> None:
        synced.append(fd)
        real_fsync(fd)

    store = CertStore(tmp_path / "certs")
    store.write_service("api", ISSUED)  # the shared chain file now exists
    monkeypatch.setattr("gatekeeper.pki.fs.os.fsync", counting)
    store.write_service("api", ISSUED)  # syncfs: no fsync of the four files
    with_syncfs = len(synced)
    assert with_syncfs == 1  # the certificate directory, after the swap
    monkeypatch.setattr(fs, "_SYNCFS", None)
    store.write_service("api", ISSUED)
    assert len(synced) - with_syncfs == with_syncfs + 5  # 4 files + the staging directory
    monkeypatch.setattr(fs, "_SYNCFS", lambda path: False)  # syncfs failed: fsync instead
    store.write_service("web", ISSUED)
    assert (store.path / "web" / "key.pem").read_bytes() == b"KEY\n"
    fs.sync_dirs([])
    fs.commit_dirs([])


def test_commit_stops_at_a_failure_and_cleans_up(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = CertStore(tmp_path / "certs")
    store.write_service("b", ISSUED)
    new = IssuedCertificate(b"K2\n", b"C2\n", b"", b"R\n", "02")
    staged = [store.stage(name, new) for name in ("a", "b", "c")]
    monkeypatch.setattr(fs, "exchange_dirs", lambda new, target: False)
    real_rename = os.rename

    def failing(src: object, dst: object) -> None:
        if str(dst).endswith("/b") and ".new-" in str(src):
            raise OSError(28, "No space left on device")
        real_rename(src, dst)  # type: ignore[arg-type]

    monkeypatch.setattr("gatekeeper.pki.fs.os.rename", failing)
    with pytest.raises(OSError, match="No space"):
        store.commit(staged)
    assert (store.path / "a" / "key.pem").read_bytes() == b"K2\n"  # committed before the error
    assert (store.path / "b" / "key.pem").read_bytes() == b"KEY\n"  # old pair kept
    assert listing(store.path) == ["a", "b"]  # no staging left
