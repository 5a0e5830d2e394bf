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
                "bare": 0o644,  # permission bits without a file type, as hatchling writes
                "symlink": stat.S_IFLNK | 0o777,
                "dir": stat.S_IFDIR | 0o755,
                "chr": stat.S_IFCHR | 0o644,
            }[item.type]
            info.external_attr = mode << 16
            zf.writestr(info, item.target.encode() if item.type == "symlink" else item.data)
            if item.type == "bare":  # writestr sets a type when none is given
                zf.infolist()[-1].external_attr = 0o644 << 16
    return path


def metadata(name: str, version: str, description: str = "# x\n\nA package.\n") -> bytes:
    return (
        f"Metadata-Version: 2.4\nName: {name}\nVersion: {version}\nSummary: s\n"
        f"Description-Content-Type: text/markdown\n\n{description}"
    ).encode()


def distribution(
    directory: Path,
    files: dict[str, bytes],
    *,
    name: str = "corp-x",
    version: str = "1.0.0",
    sdist_extra: dict[str, bytes] | None = None,
    wheel_extra: dict[str, bytes] | None = None,
    wheel_name: str | None = None,
    meta: bytes | None = None,
) -> tuple[Path, Path]:
    """An sdist (``files`` below ``src/``, plus PKG-INFO and pyproject.toml) and a wheel of
    ``files`` with its METADATA, WHEEL and RECORD, as hatchling lays them out."""
    import base64
    import hashlib

    stem = f"{name.replace('-', '_')}-{version}"
    pkg_info = meta if meta is not None else metadata(name, version)
    in_sdist = {
        "PKG-INFO": pkg_info,
        "pyproject.toml": b"[project]\n",
        **{f"src/{path}": data for path, data in files.items()},
        **(sdist_extra or {}),
    }
    sdist_path = sdist(
        directory / f"{stem}.tar.gz", [(f"{stem}/{p}", d) for p, d in in_sdist.items()]
    )
    dist_info = f"{stem}.dist-info"
    in_wheel = {
        **files,
        **(wheel_extra or {}),
        f"{dist_info}/METADATA": pkg_info,
        f"{dist_info}/WHEEL": b"Wheel-Version: 1.0\nGenerator: t\nRoot-Is-Purelib: true\n"
        b"Tag: py3-none-any\n",
    }
    record = []
    for path, data in in_wheel.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        record.append(f"{path},sha256={digest},{len(data)}")
    record.append(f"{dist_info}/RECORD,,")
    in_wheel[f"{dist_info}/RECORD"] = ("\n".join(record) + "\n").encode()
    wheel_path = wheel(
        directory / (wheel_name or f"{stem}-py3-none-any.whl"), list(in_wheel.items())
    )
    return sdist_path, wheel_path
