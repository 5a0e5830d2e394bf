"""Build sdists and wheels, well-formed and hostile, with tarfile and zipfile."""

from __future__ import annotations

import io
import stat
import tarfile
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Entry:
    """One member: a regular file with ``data``, or a ``symlink``/``hardlink`` to ``target``,
    a ``dir``, a ``chr``/``fifo`` special file. ``size`` overrides the tar header's size."""

    name: str
    data: bytes = b""
    type: str = "file"
    target: str = ""


def sdist(path: Path, entries: Iterable[Entry | tuple[str, bytes]]) -> Path:
    with tarfile.open(path, "w:gz") as tar:
        for entry in entries:
            item = entry if isinstance(entry, Entry) else Entry(*entry)
            info = tarfile.TarInfo(item.name)
            info.mode = 0o644
            if item.type == "file":
                info.size = len(item.data)
                tar.addfile(info, io.BytesIO(item.data))
                continue
            info.type = {
                "symlink": tarfile.SYMTYPE,
                "hardlink": tarfile.LNKTYPE,
                "dir": tarfile.DIRTYPE,
                "chr": tarfile.CHRTYPE,
                "fifo": tarfile.FIFOTYPE,
            }[item.type]
            info.linkname = item.target
            tar.addfile(info)
    return path


def wheel(path: Path, entries: Iterable[Entry | tuple[str, bytes]]) -> Path:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for entry in entries:
            item = entry if isinstance(entry, Entry) else Entry(*entry)
            info = zipfile.ZipInfo(item.name)
            info.compress_type = zipfile.ZIP_DEFLATED
            mode = {
                "file": stat.S_IFREG | 0o644,
                "symlink": stat.S_IFLNK | 0o777,
                "dir": stat.S_IFDIR | 0o755,
                "chr": stat.S_IFCHR | 0o644,
            }[item.type]
            info.external_attr = mode << 16
            zf.writestr(info, item.target.encode() if item.type == "symlink" else item.data)
    return path
