"""gatekeeper.fsutil: the one atomic_write and the one cache directory."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from gatekeeper.errors import InputError
from gatekeeper.fsutil import atomic_write, cache_dir


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_new_file_gets_the_mode_asked_for_or_0644(tmp_path: Path) -> None:
    atomic_write(tmp_path / "key.pem", b"K", 0o600)
    atomic_write(tmp_path / "cert.pem", b"C")
    assert _mode(tmp_path / "key.pem") == 0o600
    assert _mode(tmp_path / "cert.pem") == 0o644
    assert (tmp_path / "cert.pem").read_bytes() == b"C"


def test_an_existing_file_keeps_its_mode(tmp_path: Path) -> None:
    target = tmp_path / "requirements.txt"
    target.write_bytes(b"old\r\n")
    target.chmod(0o640)
    atomic_write(target, [b"new", b"\r\n"])
    assert target.read_bytes() == b"new\r\n"
    assert _mode(target) == 0o640
    atomic_write(target, b"x", 0o600)
    assert _mode(target) == 0o600


def test_a_failed_write_leaves_the_old_file_and_no_temporary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "x.pem"
    atomic_write(target, b"one", 0o600)

    def broken(fd: int) -> None:
        raise OSError(5, "Input/output error")

    monkeypatch.setattr("gatekeeper.fsutil.os.fsync", broken)
    with pytest.raises(InputError, match=r"x\.pem: cannot write: Input/output error"):
        atomic_write(target, b"two")
    assert target.read_bytes() == b"one"
    assert [p.name for p in tmp_path.iterdir()] == ["x.pem"]


def test_a_failed_rename_leaves_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "target"
    target.mkdir()  # os.replace of a file over a directory fails
    with pytest.raises(InputError, match="target: cannot write: Is a directory"):
        atomic_write(target, b"x")
    assert [p.name for p in tmp_path.iterdir()] == ["target"]
    assert list(target.iterdir()) == []


def test_an_interrupt_still_cleans_up(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def interrupted(fd: int, data: bytes) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr("gatekeeper.fsutil.write_all", interrupted)
    with pytest.raises(KeyboardInterrupt):
        atomic_write(tmp_path / "x", b"data")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only directories")
def test_a_read_only_directory_is_an_input_error_naming_the_file(tmp_path: Path) -> None:
    directory = tmp_path / "ro"
    directory.mkdir()
    directory.chmod(0o500)
    try:
        with pytest.raises(InputError, match=r"ro/f: cannot write: Permission denied") as err:
            atomic_write(directory / "f", b"x")
        assert err.value.exit_code == 2
    finally:
        directory.chmod(0o700)


def test_cache_dir_order(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    own = {"GATEKEEPER_CACHE_DIR": "~/gk", "XDG_CACHE_HOME": "/xdg"}
    assert cache_dir(own, "linux") == tmp_path / "gk"
    assert cache_dir(own, "darwin") == tmp_path / "gk"
    assert cache_dir({"XDG_CACHE_HOME": "/xdg"}, "linux") == Path("/xdg/gatekeeper")
    assert cache_dir({"XDG_CACHE_HOME": "rel"}, "linux") == tmp_path / ".cache" / "gatekeeper"
    assert cache_dir({"GATEKEEPER_CACHE_DIR": ""}, "linux") == tmp_path / ".cache" / "gatekeeper"
    assert cache_dir({}, "darwin") == tmp_path / "Library" / "Caches" / "gatekeeper"
    assert cache_dir({"LOCALAPPDATA": "/lad"}, "win32") == Path("/lad/gatekeeper/Cache")
    assert cache_dir({}, "win32") == tmp_path / "AppData" / "Local" / "gatekeeper" / "Cache"
    assert cache_dir() == Path(os.environ["GATEKEEPER_CACHE_DIR"])  # tests/conftest.py's
