"""Small, real distributions made without a build backend: a wheel pip installs and an sdist."""

from __future__ import annotations

import base64
import hashlib
import io
import tarfile
import zipfile
from pathlib import Path


def _record_hash(data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"sha256={digest}"


def metadata(name: str, version: str) -> str:
    return f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\nSummary: a test package\n"


def make_wheel(out: Path, name: str, version: str, module: str = "VALUE = 1\n") -> Path:
    """``name-version-py3-none-any.whl`` holding one module ``name`` with ``-`` as ``_``."""
    package = name.replace("-", "_")
    dist_info = f"{package}-{version}.dist-info"
    files = {
        f"{package}/__init__.py": module.encode(),
        f"{dist_info}/METADATA": metadata(name, version).encode(),
        f"{dist_info}/WHEEL": b"Wheel-Version: 1.0\nGenerator: tests\nRoot-Is-Purelib: true\n"
        b"Tag: py3-none-any\n",
    }
    record = "".join(f"{path},{_record_hash(data)},{len(data)}\n" for path, data in files.items())
    record += f"{dist_info}/RECORD,,\n"
    out.mkdir(parents=True, exist_ok=True)
    wheel = out / f"{package}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        for path, data in files.items():
            archive.writestr(zipfile.ZipInfo(path, (2020, 1, 1, 0, 0, 0)), data)
        archive.writestr(zipfile.ZipInfo(f"{dist_info}/RECORD", (2020, 1, 1, 0, 0, 0)), record)
    return wheel


def make_sdist(out: Path, name: str, version: str, module: str = "VALUE = 1\n") -> Path:
    package = name.replace("-", "_")
    top = f"{package}-{version}"
    files = {
        f"{top}/PKG-INFO": metadata(name, version).encode(),
        f"{top}/{package}/__init__.py": module.encode(),
    }
    out.mkdir(parents=True, exist_ok=True)
    sdist = out / f"{top}.tar.gz"
    with tarfile.open(sdist, "w:gz", format=tarfile.PAX_FORMAT) as archive:
        for path, data in files.items():
            info = tarfile.TarInfo(path)
            info.size = len(data)
            info.mtime = 1577836800
            archive.addfile(info, io.BytesIO(data))
    return sdist
