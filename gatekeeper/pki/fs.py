"""Atomic file and directory replacement.

A file is written to a temporary name in its own directory (mode 0600 from the first byte),
fsynced and renamed over the target. A certificate directory is built next to the target, made
durable, and swapped in with one ``renameat2(RENAME_EXCHANGE)`` on Linux, so readers see either
the whole old pair or the whole new one; elsewhere two renames leave a window of microseconds.
Many directories are staged first and made durable together (one ``syncfs``), then swapped.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import shutil
import tempfile
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

_AT_FDCWD = -100
_RENAME_EXCHANGE = 2


def _write_fd(fd: int, data: bytes, sync: bool = True) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]
    if sync:
        os.fsync(fd)


def write_file(path: Path, data: bytes, mode: int = 0o644, *, sync: bool = True) -> None:
    """Create ``path`` (which must not exist) with ``mode`` and ``data``; fsync it if ``sync``."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    try:
        os.fchmod(fd, mode)  # the umask must not loosen or tighten what we ask for
        _write_fd(fd, data, sync)
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
    # The process's own symbols include libc's; find_library would spawn ldconfig.
    func = getattr(ctypes.CDLL(None, use_errno=True), "renameat2", None)
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


def _libc_syncfs() -> Callable[[Path], bool] | None:
    func = getattr(ctypes.CDLL(None, use_errno=True), "syncfs", None)
    if func is None:  # pragma: no cover - non-Linux platforms; the per-file path is tested
        return None

    def syncfs(path: Path) -> bool:
        fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
        try:
            return int(func(fd)) == 0
        finally:
            os.close(fd)

    return syncfs


_SYNCFS = _libc_syncfs()


def sync_dirs(dirs: Sequence[Path]) -> None:
    """Make the files in ``dirs`` and their entries durable: one ``syncfs`` of the filesystem
    (Linux) instead of one fsync per file, else fsync every file and directory."""
    if not dirs:
        return
    if _SYNCFS is not None and _SYNCFS(dirs[0]):
        return
    for directory in dirs:
        for path in directory.iterdir():
            fd = os.open(path, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        fsync_dir(directory)


def stage_dir(files: Mapping[str, tuple[bytes, int]], target: Path) -> Path:
    """Write ``files`` (name → (data, mode)) into a new hidden directory next to ``target``.

    Nothing is synced yet and ``target`` is untouched: :func:`commit_dirs` does both.
    """
    staging = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}.new-"))
    try:
        for name, (data, mode) in files.items():
            write_file(staging / name, data, mode, sync=False)
        os.chmod(staging, 0o755)  # noqa: S103 - a directory of public certs; key.pem is 0600
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return staging


def commit_dirs(pairs: Sequence[tuple[Path, Path]]) -> None:
    """Replace each target with its staged directory, after the staged files are durable.

    Each replacement is atomic on its own (see the module docstring). On an error the pairs not
    yet committed keep their old directories and their staging directories are removed.
    """
    if not pairs:
        return
    done = 0
    old_dirs: list[Path] = []
    try:
        sync_dirs([staging for staging, _ in pairs])
        for staging, target in pairs:
            if target.is_dir() and exchange_dirs(staging, target):
                old_dirs.append(staging)  # now holds the old files
            else:
                _two_step(staging, target)
            done += 1
    finally:
        for staging, _ in pairs[done:]:
            shutil.rmtree(staging, ignore_errors=True)
        if done:
            fsync_dir(pairs[0][1].parent)
        for old in old_dirs:
            shutil.rmtree(old, ignore_errors=True)


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
