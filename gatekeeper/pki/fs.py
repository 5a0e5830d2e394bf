"""Atomic replacement of certificate directories (a single file: ``fsutil.atomic_write``).

A certificate directory is built next to the target, made durable, and swapped in with one
``renameat2(RENAME_EXCHANGE)`` on Linux, so readers see either the whole old pair or the whole
new one; elsewhere two renames leave a window of microseconds. Many directories are staged
first and made durable together (one ``syncfs``), then swapped.

Creating and deleting inodes is most of the cost of writing many small directories (on ext4
without a journal every new inode is looked up past the ones deleted in the last half minute),
so staging and deleting can run on a few threads: the work is in the kernel, the GIL is free.
"""

from __future__ import annotations

import ctypes
import os
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import TypeVar

from gatekeeper.fsutil import fsync_dir, write_all

T = TypeVar("T")
R = TypeVar("R")

_AT_FDCWD = -100
_RENAME_EXCHANGE = 2


def _write_fd(fd: int, data: bytes, sync: bool = True) -> None:
    write_all(fd, data)
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


def in_parallel(
    fn: Callable[[T], R], items: Sequence[T], threads: int
) -> tuple[list[R | None], BaseException | None]:
    """``fn`` over ``items`` on up to ``threads`` threads (the caller's included).

    After the first error no new item is started. Returns the results in the order of
    ``items`` (None for an item that failed or never started) and the first error, or None.
    """
    results: dict[int, R] = {}
    errors: list[tuple[int, BaseException]] = []
    indexes = iter(range(len(items)))
    lock = threading.Lock()

    def work() -> None:
        while not errors:
            with lock:
                index = next(indexes, None)
            if index is None:
                return
            try:
                results[index] = fn(items[index])
            except BaseException as exc:  # noqa: BLE001 - handed to the caller
                errors.append((index, exc))

    helpers = [threading.Thread(target=work) for _ in range(min(threads, len(items)) - 1)]
    for helper in helpers:
        helper.start()
    try:
        work()
    finally:
        for helper in helpers:
            helper.join()
    first = min(errors, key=lambda e: e[0])[1] if errors else None
    return [results.get(i) for i in range(len(items))], first


def _staging_dir(target: Path) -> Path:
    """A new hidden directory next to ``target``, mode 0700 until it is filled."""
    while True:
        path = target.parent / f".{target.name}.new-{os.urandom(6).hex()}"
        try:
            os.mkdir(path, 0o700)
        except FileExistsError:  # pragma: no cover - 48 random bits collided
            continue
        return path


def stage_dir(
    files: Mapping[str, tuple[bytes, int]],
    target: Path,
    links: Mapping[str, tuple[Path, bytes, int]] | None = None,
) -> Path:
    """Write ``files`` (name → (data, mode)) into a new hidden directory next to ``target``.

    ``links`` (name → (existing file, data, mode)) are hard links to files that never change
    once written (no new inode); where a link is not possible, a copy of ``data`` is written.
    Nothing is synced yet and ``target`` is untouched: :func:`commit_dirs` does both.
    """
    staging = _staging_dir(target)
    try:
        for name, (data, mode) in files.items():
            write_file(staging / name, data, mode, sync=False)
        for name, (source, data, mode) in (links or {}).items():
            try:
                os.link(source, staging / name)
            except OSError:  # no hard links here, too many of them, or the file is gone
                write_file(staging / name, data, mode, sync=False)
        os.chmod(staging, 0o755)  # noqa: S103  # nosec B103 - public certs; key.pem is 0600
    except BaseException:
        remove_tree(staging)
        raise
    return staging


def remove_tree(path: Path, names: Iterable[str] = ()) -> None:
    """Delete a directory we staged: its expected ``names`` first, anything else after."""
    try:
        for name in names:
            os.unlink(path / name)
        os.rmdir(path)
    except OSError:
        import shutil

        shutil.rmtree(path, ignore_errors=True)


def commit_dirs(
    pairs: Sequence[tuple[Path, Path]], names: Iterable[str] = (), threads: int = 1
) -> None:
    """Replace each target with its staged directory, after the staged files are durable.

    Each replacement is atomic on its own (see the module docstring). On an error the pairs not
    yet committed keep their old directories and their staging directories are removed. The
    replaced directories (holding ``names``) are deleted at the end, on ``threads`` threads.
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
            remove_tree(staging)
        if done:
            fsync_dir(pairs[0][1].parent)
        expected = tuple(names)
        _, error = in_parallel(lambda old: remove_tree(old, expected), old_dirs, threads)
        if error is not None:  # remove_tree ignores OSError: this is an interrupt or a bug
            raise error


def _two_step(staging: Path, target: Path) -> None:
    old = None
    if target.exists():
        old = target.parent / f".{target.name}.old-{os.urandom(6).hex()}"
        os.rename(target, old)
    try:
        os.rename(staging, target)
    except BaseException:
        if old is not None:
            os.rename(old, target)
        raise
    if old is not None:
        remove_tree(old)
