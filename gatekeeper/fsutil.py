"""Files gatekeeper reads and writes: one bounded reader, one atomic replacement, one cache
directory.

A path taken from input may name a FIFO (``read_bytes()`` blocks forever), a device such as
``/dev/zero`` (it reads until memory runs out) or a huge file: :func:`read_bounded` reads only
regular files, and only so much of them.

Standard library only (the CLI imports it while starting).
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import sys
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path

from gatekeeper.errors import InputError

#: Environment variable naming gatekeeper's cache directory; wins over the platform default.
ENV_CACHE_DIR = "GATEKEEPER_CACHE_DIR"
#: Mode of a file :func:`atomic_write` creates when no mode is asked for.
NEW_FILE_MODE = 0o644
#: What :func:`read_bounded` reads at most unless told otherwise: certificates, keys, bundles,
#: CRLs and configuration files are nowhere near this size.
MAX_FILE_BYTES = 4 << 20


def read_bounded(path: Path, limit: int = MAX_FILE_BYTES) -> bytes:
    """The bytes of the regular file at ``path`` (symlinks followed), at most ``limit`` of them.

    A FIFO, a device such as ``/dev/zero``, a directory or a larger file raises an OSError whose
    ``strerror`` says so. The type is checked on the opened descriptor (a FIFO is opened without
    blocking), so a file swapped after a check cannot slip through.
    """
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC | getattr(os, "O_NOCTTY", 0))
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise OSError(errno.EINVAL, "not a regular file", str(path))
    with os.fdopen(fd, "rb") as handle:
        data = handle.read(limit + 1)
    if len(data) > limit:
        raise OSError(errno.EFBIG, f"larger than {limit} bytes", str(path))
    return data


def write_all(fd: int, data: bytes) -> None:
    """``os.write`` until every byte is written."""
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def fsync_dir(path: Path) -> None:
    """Make ``path``'s entries (a rename into it) durable."""
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def atomic_write(path: Path, data: bytes | Iterable[bytes], mode: int | None = None) -> None:
    """Replace ``path`` with ``data`` (bytes, or chunks of them) so that a reader sees the whole
    old file or the whole new one, never a part: a temporary file in the same directory, fsync,
    ``os.replace``, fsync of the directory.

    ``mode`` is the new file's permission bits (0o600 for a key); without it an existing file
    keeps its mode and a new one gets :data:`NEW_FILE_MODE`. The temporary file is 0600 until
    it is complete, and it is removed on any failure, leaving the old file as it was.

    ``path`` itself is replaced: a symlink there becomes a regular file, so a caller that means
    to write through one resolves it first. An OS error (a read-only directory, a full disk)
    raises :class:`~gatekeeper.errors.InputError` naming ``path``.
    """
    try:
        _replace(path, data, mode)
    except OSError as exc:
        raise InputError(f"cannot write: {exc.strerror or exc}", path=path) from None


def _replace(path: Path, data: bytes | Iterable[bytes], mode: int | None) -> None:
    if mode is None:
        try:
            mode = path.stat().st_mode & 0o7777
        except FileNotFoundError:
            mode = NEW_FILE_MODE
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        for chunk in (data,) if isinstance(data, bytes) else data:
            write_all(fd, chunk)
        os.fchmod(fd, mode)
        os.fsync(fd)
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


def cache_dir(env: Mapping[str, str] | None = None, platform: str | None = None) -> Path:
    """gatekeeper's per-user cache directory.

    ``$GATEKEEPER_CACHE_DIR`` when set; else on Linux and other Unixes
    ``$XDG_CACHE_HOME/gatekeeper`` (an absolute ``XDG_CACHE_HOME`` only, as the XDG spec says),
    else ``~/.cache/gatekeeper``; on macOS ``~/Library/Caches/gatekeeper``; on Windows
    ``%LOCALAPPDATA%\\gatekeeper\\Cache``.
    """
    env = os.environ if env is None else env
    platform = sys.platform if platform is None else platform
    if env.get(ENV_CACHE_DIR):
        return Path(env[ENV_CACHE_DIR]).expanduser()
    if platform == "win32":
        return (
            Path(env.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local")
            / "gatekeeper"
            / "Cache"
        )
    if platform == "darwin":
        return Path.home() / "Library" / "Caches" / "gatekeeper"
    xdg = env.get("XDG_CACHE_HOME")
    base = Path(xdg) if xdg and Path(xdg).is_absolute() else Path.home() / ".cache"
    return base / "gatekeeper"
