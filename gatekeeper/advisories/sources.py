"""Where a sync reads OSV entries from: a URL (osv.dev or a mirror), a local zip, a directory.

Each source yields ``(origin, document)`` pairs, where ``origin`` names the file (``zip!member``
for archives) for warnings and errors, and records the SHA-256 of what it read.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from gatekeeper.errors import AdvisoryDataError
from gatekeeper.json_input import load_json
from gatekeeper.net import urls as net_urls
from gatekeeper.net.errors import ResponseTooLarge
from gatekeeper.net.retry import RetryPolicy

if TYPE_CHECKING:
    import httpx

#: osv.dev's export of every PyPI advisory (PYSEC, GHSA, ...), one OSV JSON file each.
DEFAULT_URL = "https://osv-vulnerabilities.storage.googleapis.com/PyPI/all.zip"
#: Refuse archives that would expand beyond this (a zip bomb, or not an advisory export).
MAX_UNCOMPRESSED = 4 * 1024**3
#: Refuse downloads larger than this (osv.dev's PyPI export is tens of megabytes).
MAX_DOWNLOAD = 2 * 1024**3
#: Three attempts, and the whole download (tens of megabytes) within ten minutes.
POLICY = RetryPolicy(attempts=3, deadline=600.0)
_SUFFIXES = (".json", ".yaml", ".yml")
_CHUNK = 1 << 20


@dataclass
class Source:
    """An opened source: a label for the status, the digest, and the documents."""

    label: str
    sha256: str
    documents: Iterator[tuple[str, object]]


def is_url(text: str) -> bool:
    return text.startswith(("http://", "https://"))


def check_url(url: str, setting: str = "the advisory source URL") -> None:
    """TLS everywhere; plain HTTP only to a loopback address (a local mirror or test server)."""
    net_urls.check_url(url, setting)


def download(url: str, directory: Path, client: httpx.Client | None = None) -> Path:
    """Stream ``url`` into a temporary file in ``directory``; the caller deletes it.

    Transient failures (connection errors, 429, 5xx) are retried; what still fails raises
    :class:`~gatekeeper.errors.BackendUnavailable`.
    """
    from gatekeeper.net import http as net

    check_url(url)
    directory.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".download-", suffix=".zip", dir=directory)
    own = client is None
    session = client or net.client(timeout=60.0)
    try:
        with os.fdopen(fd, "wb") as out:
            net.fetch(
                session,
                "GET",
                url,
                what="the advisory source",
                setting="the advisory source URL",
                max_bytes=MAX_DOWNLOAD,
                policy=POLICY,
                sink=out,
            )
        return Path(tmp)
    except ResponseTooLarge:
        Path(tmp).unlink(missing_ok=True)
        raise AdvisoryDataError(
            "download exceeds 2 GiB; refusing it", path=net_urls.redact(url)
        ) from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    finally:
        if own:
            session.close()


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(_CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _load_yaml(data: bytes) -> object:
    """Safe YAML that refuses anchors and aliases (:mod:`gatekeeper.yamlsafe`): OSV needs
    neither."""
    import yaml

    from gatekeeper.yamlsafe import refuse_aliases, safe_loader

    refuse_aliases(data)
    return yaml.load(data, Loader=safe_loader())  # noqa: S506  # nosec B506 - a SafeLoader subclass


def parse_document(data: bytes, origin: str) -> object:
    """JSON, or YAML for ``.yaml``/``.yml`` files; errors name the file and line."""
    if origin.endswith((".yaml", ".yml")):
        import yaml

        try:
            return _load_yaml(data)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            line = mark.line + 1 if mark is not None else None
            problem = getattr(exc, "problem", None) or "malformed"
            raise AdvisoryDataError(f"malformed YAML: {problem}", path=origin, line=line) from None
        except (RecursionError, ValueError) as exc:  # deep nesting, a 5,000-digit integer
            reason = str(exc).split(";", 1)[0][:80] or exc.__class__.__name__
            raise AdvisoryDataError(f"unreadable YAML: {reason}", path=origin) from None
    return load_json(data, source=origin, error=AdvisoryDataError)


def open_zip(path: Path, label: str) -> Source:
    """A zip of OSV JSON (or YAML) files, as osv.dev exports them."""
    sha = file_sha256(path)
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise AdvisoryDataError(
            f"not a valid zip archive ({exc.__class__.__name__})", path=label
        ) from None
    members = [m for m in archive.infolist() if not m.is_dir() and m.filename.endswith(_SUFFIXES)]
    for member in members:
        problem = _member_problem(member)
        if problem:
            archive.close()
            raise AdvisoryDataError(problem, path=f"{label}!{member.filename[:200]}")
    if sum(m.file_size for m in members) > MAX_UNCOMPRESSED:
        archive.close()
        raise AdvisoryDataError("zip archive expands beyond 4 GiB; refusing it", path=label)
    return Source(label=label, sha256=sha, documents=_zip_documents(archive, members, label))


def _member_problem(member: zipfile.ZipInfo) -> str | None:
    """Why a zip member cannot be read safely, or None."""
    name = member.filename
    if name.startswith(("/", "\\")) or ".." in name.replace("\\", "/").split("/") or ":" in name:
        return "zip member name escapes the archive (absolute or '..'); refusing the archive"
    if member.flag_bits & 0x1:
        return "zip member is encrypted; an advisory export never is"
    if member.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        return f"zip member uses an unsupported compression method ({member.compress_type})"
    return None


def _zip_documents(
    archive: zipfile.ZipFile, members: list[zipfile.ZipInfo], label: str
) -> Iterator[tuple[str, object]]:
    with archive:
        for member in members:
            origin = f"{label}!{member.filename}"
            try:
                data = archive.read(member)
            except (
                zipfile.BadZipFile,
                zlib.error,
                EOFError,
                RuntimeError,
                NotImplementedError,
            ) as exc:
                raise AdvisoryDataError(
                    f"corrupt zip member ({exc.__class__.__name__})", path=origin
                ) from None
            yield origin, parse_document(data, origin)


def open_directory(path: Path) -> Source:
    """A directory tree of OSV JSON or YAML files (the PyPA advisory-database layout).

    Hidden directories (``.git``) are skipped. The digest covers every file's relative path and
    content, so the same tree always gives the same SHA-256.
    """
    files = sorted(
        p
        for p in path.rglob("*")
        if p.suffix in _SUFFIXES
        and p.is_file()
        and not any(part.startswith(".") for part in p.relative_to(path).parts)
    )
    digest = hashlib.sha256()
    contents: list[tuple[str, bytes]] = []
    for file in files:
        data = file.read_bytes()
        rel = file.relative_to(path).as_posix()
        digest.update(rel.encode() + b"\0" + hashlib.sha256(data).digest())
        contents.append((str(file), data))
    return Source(
        label=str(path.resolve()),
        sha256=digest.hexdigest(),
        documents=((origin, parse_document(data, origin)) for origin, data in contents),
    )
