"""Atomic file and directory replacement.

A file is written to a temporary name in its own directory (mode 0600 from the first byte),
fsynced and renamed over the target. A certificate directory is built next to the target and
swapped in with one ``renameat2(RENAME_EXCHANGE)`` on Linux, so readers see either the whole old
pair or the whole new one; elsewhere two renames leave a window of microseconds.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import os
import shutil
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path

_AT_FDCWD = -100
_RENAME_EXCHANGE = 2


def _write_fd(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]
    os.fsync(fd)


def write_file(path: Path, data: bytes, mode: int = 0o644) -> None:
    """Create ``path`` (which must not exist) with ``mode`` and ``data``, and fsync it."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    try:
        os.fchmod(fd, mode)  # the umask must not loosen or tighten what we ask for
        _write_fd(fd, data)
    finally:
        os.close(fd)


def atomic_write(path: Path, data: bytes, mode: int = 0o644) -> None:
    """Replace ``path`` with ``data`` atomically: temp file in the same dir, fsync, rename."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, mode)
        _write_fd(fd, data)
        os.close(fd)
        fd = -1
        os.replace(tmp, path)
    except BaseException:
        if fd >= 0:
            os.close(fd)
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    fsync_dir(path.parent)


def fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _libc_renameat2() -> Callable[[bytes, bytes], bool] | None:
    name = ctypes.util.find_library("c")
    libc = ctypes.CDLL(name, use_errno=True) if name else None
    func = getattr(libc, "renameat2", None)
    if func is None:  # pragma: no cover - non-glibc platforms; the two-rename path is tested
        return None

    def exchange(a: bytes, b: bytes) -> bool:
        return int(func(_AT_FDCWD, a, _AT_FDCWD, b, _RENAME_EXCHANGE)) == 0

    return exchange


_EXCHANGE = _libc_renameat2()


def exchange_dirs(new: Path, target: Path) -> bool:
    """Atomically swap two existing directories. False when the platform cannot."""
    if _EXCHANGE is None:  # pragma: no cover - see _libc_renameat2
        return False
    return _EXCHANGE(os.fsencode(new), os.fsencode(target))


def replace_dir(files: Mapping[str, tuple[bytes, int]], target: Path) -> None:
    """Make ``target`` a directory holding exactly ``files`` (name → (data, mode)), atomically.

    The new directory is complete and synced before it replaces the old one; on any error the
    old directory is untouched.
    """
    parent = target.parent
    staging = Path(tempfile.mkdtemp(dir=parent, prefix=f".{target.name}.new-"))
    try:
        for name, (data, mode) in files.items():
            write_file(staging / name, data, mode)
        os.chmod(staging, 0o755)  # noqa: S103 - a directory of public certs; key.pem is 0600
        fsync_dir(staging)
        if target.is_dir() and exchange_dirs(staging, target):
            shutil.rmtree(staging)  # now holds the old files
        else:
            _two_step(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    fsync_dir(parent)


def _two_step(staging: Path, target: Path) -> None:
    old = None
    if target.exists():
        old = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}.old-"))
        os.rmdir(old)
        os.rename(target, old)
    try:
        os.rename(staging, target)
    except BaseException:
        if old is not None:
            os.rename(old, target)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
