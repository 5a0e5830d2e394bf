"""The server-side steps of a release, for ``gatekeeper publish``: plain functions on a logged-in
:class:`~gatekeeper.registry.devpi.DevpiClient`, typed results, our errors.

Order of a publish: :func:`compare` with prod's files of the version (immutability); then
:func:`upload` to staging, :func:`attach_provenance`, :func:`smoke_install` from staging's simple
URL, :func:`promote` to prod; :func:`discard` cleans staging when a step fails. Nothing here
writes to prod except :func:`promote`, whose push devpi applies as one transaction.

**Provenance** rides on devpi's *toxresults*: a JSON document attached to a release file
(``POST`` to the file's URL), stored by devpi with its hash, listed in the version's ``+links``
(``rel: toxresult``, ``for_href``), and copied by ``push`` with the file. Version metadata cannot
carry it: devpi keeps only the core-metadata keys it knows. The record keeps tox's report keys
(``reportversion``, ``testenvs`` empty) beside our ``gatekeeper`` key, so tools reading
toxresults still parse it. Who may attach one is ``acl_toxresult_upload`` (``registry init``
restricts it to the publisher; devpi's default is anyone).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import sys
import tempfile
import time
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from email.parser import HeaderParser
from pathlib import Path
from typing import Any, Literal

from gatekeeper import __version__
from gatekeeper.errors import (
    ArchiveError,
    BackendUnavailable,
    ReleaseRefused,
    SmokeTestFailed,
    UsageError,
)
from gatekeeper.net.urls import check_url, redact
from gatekeeper.registry.devpi import DevpiClient, Link, VersionData
from gatekeeper.subprocesses import clean_env, output_tail, run_in_group

#: The largest METADATA file read from a wheel.
MAX_METADATA = 4 << 20
#: The largest provenance record read back.
MAX_RECORD = 1 << 20
#: Core-metadata fields that repeat, as twine names them in an upload.
_MULTI = {
    "classifier": "classifiers",
    "requires-dist": "requires_dist",
    "provides-dist": "provides_dist",
    "obsoletes-dist": "obsoletes_dist",
    "requires-external": "requires_external",
    "project-url": "project_urls",
    "provides-extra": "provides_extras",
    "platform": "platform",
    "supported-platform": "supported_platform",
    "dynamic": "dynamic",
    "license-file": "license_file",
}

Fields = Mapping[str, str | Sequence[str]]


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


# ------------------------------------------------------------------ what is there
def stored_files(data: VersionData | None) -> dict[str, str]:
    """The release files of one version as devpi lists them: basename to sha256 (empty: the
    version is not there)."""
    return {link.basename: link.sha256 or "" for link in data.release_files} if data else {}


def existing_files(client: DevpiClient, index: str, name: str, version: str) -> dict[str, str]:
    """The release files of ``name`` ``version`` uploaded to ``index`` itself: basename to
    sha256 (empty: the version is not there)."""
    return stored_files(client.version(index, name, version))


@dataclass(frozen=True)
class Comparison:
    """Local files against what an index holds for the same version.

    ``new``: the version is not on the index. ``identical``: every local file is there with the
    same sha256 (re-publishing is a no-op success). ``different``: the version exists and a file
    differs or is missing there: refused, a published version is immutable.
    """

    state: Literal["new", "identical", "different"]
    changed: tuple[str, ...] = ()
    missing: tuple[str, ...] = ()


def compare(there: Mapping[str, str], files: Sequence[Path]) -> Comparison:
    """``files`` against ``there`` (:func:`stored_files` of the same version on the index)."""
    if not there:
        return Comparison("new")
    changed = tuple(p.name for p in files if p.name in there and there[p.name] != sha256_file(p))
    missing = tuple(p.name for p in files if p.name not in there)
    if changed or missing:
        return Comparison("different", changed, missing)
    return Comparison("identical")


# ------------------------------------------------------------------------- upload
def core_metadata(wheel: Path) -> dict[str, str | list[str]]:
    """A wheel's METADATA as upload fields (twine's names: ``requires_dist``, ...)."""
    try:
        with zipfile.ZipFile(wheel) as archive:
            entry = next(
                (
                    i
                    for i in archive.infolist()
                    if i.filename.count("/") == 1 and i.filename.endswith(".dist-info/METADATA")
                ),
                None,
            )
            if entry is None or entry.file_size > MAX_METADATA:
                raise ArchiveError("no readable .dist-info/METADATA", path=wheel.name)
            text = archive.read(entry).decode("utf-8", errors="replace")
    except (zipfile.BadZipFile, OSError) as exc:
        raise ArchiveError(f"not a wheel ({exc.__class__.__name__})", path=wheel.name) from None
    message = HeaderParser().parsestr(text)
    fields: dict[str, str | list[str]] = {}
    for key, value in message.items():
        lowered = key.lower()
        if lowered in _MULTI:
            listed = fields.setdefault(_MULTI[lowered], [])
            assert isinstance(listed, list)  # noqa: S101 - only list fields are set here
            listed.append(str(value))
        else:
            fields[lowered.replace("-", "_")] = str(value)
    body = message.get_payload()
    if isinstance(body, str) and body.strip():
        fields["description"] = body
    return fields


def _filetype(path: Path) -> tuple[str, str]:
    if path.name.endswith(".whl"):
        parts = path.name[:-4].split("-")
        return "bdist_wheel", parts[-3] if len(parts) >= 5 else "py3"
    return "sdist", "source"


def upload(
    client: DevpiClient, index: str, files: Sequence[Path], metadata: Fields
) -> tuple[Link, ...]:
    """Upload ``files`` to ``index`` with ``metadata`` (name and version at least), as twine
    does, then check that devpi stored each file with our sha256. Returns the stored links."""
    name, version = metadata.get("name"), metadata.get("version")
    if not isinstance(name, str) or not isinstance(version, str) or not name or not version:
        raise UsageError("upload metadata needs a name and a version")
    digests = {}
    for path in files:
        digests[path.name] = sha256_file(path)
        filetype, pyversion = _filetype(path)
        md5 = hashlib.md5(path.read_bytes(), usedforsecurity=False).hexdigest()
        fields = {
            **metadata,
            "filetype": filetype,
            "pyversion": pyversion,
            "sha256_digest": digests[path.name],
            "md5_digest": md5,
        }
        client.upload(index, path, fields)
    stored = client.version(index, name, version)
    links = {link.basename: link for link in (stored.release_files if stored else ())}
    for basename, digest in digests.items():
        link = links.get(basename)
        if link is None or link.sha256 != digest:
            raise BackendUnavailable(
                f"devpi did not store {basename} as uploaded (sha256 differs or file missing)",
                path=f"{redact(client.url)}/{index}",
            )
    return tuple(links[b] for b in digests)


def discard(client: DevpiClient, staging: str, name: str, version: str) -> bool:
    """Delete a candidate from the volatile ``staging`` index; False when it was not there."""
    return client.delete_version(staging, name, version)


# ------------------------------------------------------------------------ promote
@dataclass(frozen=True)
class Promotion:
    """``pushed`` False: prod already held identical files (a no-op)."""

    pushed: bool
    files: dict[str, str] = field(default_factory=dict)


def promote(client: DevpiClient, staging: str, prod: str, name: str, version: str) -> Promotion:
    """Push ``name`` ``version`` (files and provenance) from ``staging`` to ``prod``, then check
    prod holds exactly staging's files. Different files already in prod are refused."""
    candidate = existing_files(client, staging, name, version)
    if not candidate:
        raise UsageError(f"{name} {version} is not on {staging}: upload it first")
    released = existing_files(client, prod, name, version)
    if released:
        if released == candidate:
            return Promotion(False, released)
        raise ReleaseRefused(
            f"{name} {version} is already on {prod} with other files: a published version "
            "is immutable; release a new version"
        )
    client.push(staging, prod, name, version)
    released = existing_files(client, prod, name, version)
    if released != candidate:
        raise BackendUnavailable(
            f"devpi's push of {name} {version} left {prod} with other files than {staging}",
            path=redact(client.url),
        )
    return Promotion(True, released)


# --------------------------------------------------------------------- provenance
@dataclass(frozen=True)
class Provenance:
    """Where a release came from: the git commit, gatekeeper's version, each gate's verdict."""

    commit: str
    gates: Mapping[str, str]
    gatekeeper_version: str = __version__
    created: str = field(
        default_factory=lambda: dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    )

    def record(self) -> dict[str, Any]:
        return {
            "reportversion": "1",
            "toxversion": f"gatekeeper {self.gatekeeper_version}",
            "platform": sys.platform,
            "host": "gatekeeper",
            "testenvs": {},
            "gatekeeper": {
                "provenance": 1,
                "commit": self.commit,
                "gatekeeper_version": self.gatekeeper_version,
                "gates": dict(self.gates),
                "created": self.created,
            },
        }

    @classmethod
    def from_record(cls, data: object) -> Provenance | None:
        """The provenance in a toxresult, or None when it is not one of ours."""
        ours = data.get("gatekeeper") if isinstance(data, dict) else None
        if not isinstance(ours, dict) or ours.get("provenance") != 1:
            return None
        gates = ours.get("gates")
        if not isinstance(gates, dict):
            return None
        return cls(
            commit=str(ours.get("commit", "")),
            gates={str(k): str(v) for k, v in gates.items()},
            gatekeeper_version=str(ours.get("gatekeeper_version", "")),
            created=str(ours.get("created", "")),
        )


def attach_provenance(
    client: DevpiClient, index: str, name: str, version: str, provenance: Provenance
) -> int:
    """Attach ``provenance`` to every release file of ``name`` ``version`` on ``index`` (push
    carries it to prod); the number of files it was attached to."""
    data = client.version(index, name, version)
    files = data.release_files if data else ()
    if not files:
        raise UsageError(f"{name} {version} has no files on {index} to attach provenance to")
    for link in files:
        client.attach_toxresult(link.href, provenance.record())
    return len(files)


def read_provenance(
    client: DevpiClient, index: str, name: str, version: str
) -> dict[str, Provenance]:
    """The latest provenance record of each release file of ``name`` ``version`` on
    ``index``, by file basename (a file without one is absent)."""
    import json

    data = client.version(index, name, version)
    if data is None:
        return {}
    names = {link.href: link.basename for link in data.release_files}
    found: dict[str, tuple[str, Provenance]] = {}
    for link in sorted(data.toxresults, key=lambda li: li.basename):
        target = names.get(link.for_href or "")
        if target is None:
            continue
        try:
            record = json.loads(client.read_bytes(link.href, MAX_RECORD))
        except ValueError:
            continue
        provenance = Provenance.from_record(record)
        if provenance is not None:
            found[target] = (link.basename, provenance)
    return {target: provenance for target, (_, provenance) in found.items()}


# ---------------------------------------------------------------------- smoke test
@dataclass(frozen=True)
class SmokeResult:
    duration_s: float


def _tail(log: Path, lines: int = 6) -> str:
    kept = [line for line in output_tail(log, 4 * lines) if line.strip()][-lines:]
    return redact(" | ".join(kept))[:800]


def _clean_env(home: Path) -> dict[str, str]:
    """The environment for pip and the venv: gatekeeper's without its credentials (the
    candidate's code runs at its import), and without PIP_* settings, config files or
    PYTHON* variables, so only the index we name is asked."""
    env = {
        k: v
        for k, v in clean_env().items()
        if not k.startswith(("PIP_", "PYTHON", "VIRTUAL_ENV", "COV_CORE", "COVERAGE"))
    }
    env.update({"PIP_CONFIG_FILE": os.devnull, "HOME": str(home), "PYTHONNOUSERSITE": "1"})
    return env


#: Run by the venv's interpreter: import the package, from the venv itself.
_IMPORT_CHECK = (
    "import importlib, pathlib, sys; m = importlib.import_module(sys.argv[1]); "
    "where = pathlib.Path(m.__file__ or '/').resolve(); "
    "sys.exit(0 if pathlib.Path(sys.prefix).resolve() in where.parents "
    "else 'imported from outside the venv: ' + str(where))"
)


def _expose(venv: Path, visible: Sequence[Path]) -> None:
    """A ``.pth`` file in ``venv``'s site-packages naming each of ``visible`` (plain path
    lines: the directories' own ``.pth`` files, editable installs among them, are not run)."""
    for site in venv.glob("lib/python*/site-packages"):
        lines = "".join(f"{path}\n" for path in visible if "\n" not in str(path))
        (site / "gatekeeper-visible.pth").write_text(lines, "utf-8")


def smoke_install(
    index_simple_url: str,
    name: str,
    version: str,
    import_name: str,
    *,
    timeout: float = 120.0,
    python: str | None = None,
    visible: Sequence[Path] = (),
) -> SmokeResult:
    """Install ``name==version`` from ``index_simple_url`` into a fresh venv and import
    ``import_name`` there, all within ``timeout`` seconds.

    The venv is made without pip (``python -m venv --without-pip``, about 1 s) and installed
    into by this interpreter's pip (``pip --python``); pip reads no config file and no
    ``PIP_*`` variable. The package alone is installed (``--no-deps --ignore-installed``: a
    copy installed where gatekeeper runs is never taken for it); ``visible`` are site
    directories whose packages the venv sees (one ``.pth`` line each, after its own
    site-packages), so its dependencies installed here can be imported. The import must load
    the package from the venv itself. Any failure is a :class:`SmokeTestFailed` naming the
    step (exit 1).
    """
    check_url(index_simple_url, "the index URL")
    interpreter = python or sys.executable
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="gatekeeper-smoke-") as tmp:
        base = Path(tmp)
        venv = base / "venv"
        bindir = venv / ("Scripts" if os.name == "nt" else "bin")
        env = _clean_env(base)
        steps = (
            ("create the venv", [interpreter, "-m", "venv", "--without-pip", str(venv)]),
            (
                "pip install",
                [
                    interpreter,
                    "-m",
                    "pip",
                    "--python",
                    str(bindir / "python"),
                    "install",
                    "--no-input",
                    "--disable-pip-version-check",
                    "--no-cache-dir",
                    "--no-deps",
                    "--ignore-installed",
                    "--index-url",
                    index_simple_url,
                    f"{name}=={version}",
                ],
            ),
            (
                f"import {import_name}",
                [
                    str(bindir / "python"),
                    "-I",
                    "-c",
                    _IMPORT_CHECK,
                    import_name,
                ],
            ),
        )
        for index, (step, argv) in enumerate(steps):
            if index == 1 and visible:
                _expose(venv, visible)
            left = timeout - (time.monotonic() - started)
            where = f"smoke test of {name}=={version} from {redact(index_simple_url)}"
            log = base / f"step-{index}.log"
            code = run_in_group(argv, cwd=base, log=log, timeout_s=max(left, 0.001), env=env)
            if code is None:
                raise SmokeTestFailed(
                    f"{where}: {step} did not finish within the {timeout:g} s deadline"
                )
            if code != 0:
                raise SmokeTestFailed(f"{where}: {step} failed (exit {code}): {_tail(log)}")
    return SmokeResult(time.monotonic() - started)
