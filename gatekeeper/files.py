"""Reading a file named by a user or a repository: regular files only, never unbounded.

``Path.read_bytes()`` on a FIFO blocks forever, on ``/dev/zero`` it reads until memory runs out,
and on a huge file it costs that much memory; a path taken from input may be any of those.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

#: Certificates, keys, bundles, CRLs and configuration files are read whole; none is anywhere
#: near this size.
MAX_FILE_BYTES = 4 << 20


def read_bounded(path: Path, limit: int = MAX_FILE_BYTES) -> bytes:
    """The bytes of the regular file at ``path`` (symlinks followed), at most ``limit`` of them.

    A FIFO, a device such as ``/dev/zero``, a directory or a larger file raises an OSError whose
    ``strerror`` says so, before anything is read (a FIFO is opened without blocking).
    """
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise OSError(errno.EINVAL, "not a regular file", str(path))
    with os.fdopen(fd, "rb") as handle:
        data = handle.read(limit + 1)
    if len(data) > limit:
        raise OSError(errno.EFBIG, f"larger than {limit} bytes", str(path))
    return data
