"""Vet the BUILT sdist and wheel of a package before it is published, not its source tree.

Both archives are unpacked by :mod:`gatekeeper.registry.artifacts` (hostile members are refused
there). Then, in order:

- metadata: ``twine check`` (as a library: twine's own per-file check) on each artifact;
- the wheel's layout: check-wheel-contents' checks (as a library, without configuration files);
- contents (``[publish]``): forbidden paths (tests, env files, keys, VCS and CI files), files
  over ``max_file_bytes``, and secrets (the secrets gate's detection engine on every text file);
- provenance of the files: the sdist holds only what ``git ls-files`` lists in the source root
  (plus the ``PKG-INFO`` and ``*.egg-info/`` the build writes), and every wheel file outside
  ``*.dist-info/`` is a file of the sdist with the same bytes;
- the name: it matches ``internal.prefixes``, and the public index (supply_chain's) does not
  serve it (dependency confusion);
- the version, when the target index's versions are given (:mod:`.versions`).

:func:`vet_artifacts` also returns the file listing, printed as ``npm publish --dry-run`` does.
Network use is the public index only, through :class:`gatekeeper.deps.index.IndexClient`.
"""

from __future__ import annotations

import fnmatch
import hashlib
import posixpath
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from gatekeeper.model import Finding, Location, Rule, Severity
from gatekeeper.registry.artifacts import Limits, Unpacked, unpacked

if TYPE_CHECKING:
    from gatekeeper.deps.index import IndexClient
    from gatekeeper.policy.model import Policy

METADATA = Rule(
    "GK-PUB-010",
    "Package metadata fails twine check",
    Severity.HIGH,
    description="`twine check` refuses the artifact's metadata (invalid or missing fields, a "
    "long description that does not render); its warnings (no long description) are low.",
)
WHEEL_CONTENTS = Rule(
    "GK-PUB-011",
    "Wheel contents check failed",
    Severity.MEDIUM,
    description="One of check-wheel-contents' checks (W001 bytecode, W002 duplicate files, "
    "W004 unimportable module names, W005 common top-level names, W009 several top-level "
    "packages, W201 no library files…), named in the finding.",
)
FORBIDDEN = Rule(
    "GK-PUB-012",
    "Forbidden file in the package",
    Severity.HIGH,
    cwe=538,
    description="An sdist or wheel file matching `publish.forbidden`: tests, env files, keys "
    "and credentials files, VCS or CI files.",
)
SECRET = Rule(
    "GK-PUB-013",
    "Secret in the package",
    Severity.CRITICAL,
    cwe=798,
    description="A private key, URL password, well-known token or high-entropy value "
    "assigned to a secret name in a file of the sdist or wheel (the secrets gate's "
    "detection); the preview is masked.",
)
TOO_LARGE = Rule(
    "GK-PUB-014",
    "File over the size limit",
    Severity.MEDIUM,
    description="A file of the sdist or wheel larger than `publish.max_file_bytes`.",
)
UNTRACKED = Rule(
    "GK-PUB-015",
    "sdist file not tracked by git",
    Severity.HIGH,
    cwe=538,
    description="A file of the sdist that `git ls-files` does not list in the source root "
    "(a local file the build picked up); the build's PKG-INFO and *.egg-info are expected. "
    "Outside a git repository this is an info finding: nothing was compared.",
)
NOT_FROM_SDIST = Rule(
    "GK-PUB-016",
    "Wheel file not built from the sdist",
    Severity.HIGH,
    description="A wheel file (outside *.dist-info) that is no file of the sdist with the same "
    "bytes: the wheel holds something its source does not show.",
)
NAME_PREFIX = Rule(
    "GK-PUB-017",
    "Package name is not internal",
    Severity.HIGH,
    description="The distribution name does not start with one of `internal.prefixes`, so "
    "the public index could serve a package of the same name.",
)
NAME_PUBLIC = Rule(
    "GK-PUB-018",
    "Package name exists on the public index",
    Severity.CRITICAL,
    cwe=427,
    description="The public index (`supply_chain.public_index_url`, else `audit.index_url`, "
    "else PyPI) serves the name: dependency confusion. Claim the name there or rename.",
)
MISMATCH = Rule(
    "GK-PUB-019",
    "sdist and wheel disagree",
    Severity.HIGH,
    description="The sdist and the wheel name a different distribution or version, or the "
    "wheel has no readable METADATA.",
)
RULES: tuple[Rule, ...] = (
    METADATA,
    WHEEL_CONTENTS,
    FORBIDDEN,
    SECRET,
    TOO_LARGE,
    UNTRACKED,
    NOT_FROM_SDIST,
    NAME_PREFIX,
    NAME_PUBLIC,
    MISMATCH,
)
#: What a build adds to an sdist besides the tracked files.
GENERATED = ("PKG-INFO", "*.egg-info/*", "*.egg-info")
_BINARY_PROBE = 8192


@dataclass(frozen=True, slots=True)
class FileEntry:
    """One file of an artifact for the listing: the artifact's name, the path and its size."""

    artifact: str
    path: str
    size: int


@dataclass(frozen=True, slots=True)
class Vetting:
    """The outcome of :func:`vet_artifacts`: findings, the listing, the distribution's name
    and version (from the wheel's METADATA; None when unreadable) and the time taken."""

    findings: tuple[Finding, ...]
    listing: tuple[FileEntry, ...]
    name: str | None
    version: str | None
    duration_s: float


def _where(artifact: Path, path: str) -> Location:
    return Location(f"{artifact.name}!{path}")


# --------------------------------------------------------------------------- metadata


def twine_check(artifact: Path) -> list[Finding]:
    """``twine check`` of one artifact, as twine runs it (its per-file check)."""
    from twine.commands.check import _check_file, _WarningStream
    from twine.exceptions import TwineException

    stream = _WarningStream()
    try:
        warnings, ok = _check_file(str(artifact), stream)
    except (TwineException, ValueError, OSError) as exc:
        return [
            METADATA.finding(
                f"{artifact.name}: twine check: {exc}".rstrip(),
                artifact.name,
                type(exc).__name__,
                location=Location(artifact.name),
            )
        ]
    found = []
    if not ok:
        found.append(
            METADATA.finding(
                f"{artifact.name}: twine check: the long description has markup errors and "
                f"would not render: {str(stream)[:500]}",
                artifact.name,
                "render",
                location=Location(artifact.name),
            )
        )
    found += [
        METADATA.finding(
            f"{artifact.name}: twine check: {warning}",
            artifact.name,
            warning,
            location=Location(artifact.name),
            severity=Severity.LOW,
        )
        for warning in warnings
    ]
    return found


def wheel_contents(wheel: Path) -> list[Finding]:
    """check-wheel-contents' default checks on ``wheel`` (no configuration file is read)."""
    from check_wheel_contents.checker import NO_CONFIG, WheelChecker
    from check_wheel_contents.contents import WheelContents
    from check_wheel_contents.errors import WheelValidationError

    checker = WheelChecker()
    checker.configure_options(configpath=NO_CONFIG)
    try:
        contents = WheelContents.from_wheel(wheel)
    except (WheelValidationError, ValueError) as exc:
        return [
            WHEEL_CONTENTS.finding(
                f"{wheel.name}: invalid wheel: {exc}", wheel.name, location=Location(wheel.name)
            )
        ]
    return [
        WHEEL_CONTENTS.finding(
            f"{wheel.name}: {failed.check.name}: {failed.check.value}"
            + (f": {', '.join(failed.args[:10])}" if failed.args else ""),
            wheel.name,
            failed.check.name,
            *failed.args,
            location=Location(wheel.name),
            ids=(failed.check.name,),
        )
        for failed in checker.check_contents(contents)
    ]


# --------------------------------------------------------------------------- contents


def forbidden_pattern(path: str, patterns: Iterable[str]) -> str | None:
    """The first pattern ``path`` matches: without ``/``, any component; else the whole path."""
    parts = path.split("/")
    for pattern in patterns:
        if "/" in pattern.strip("/"):
            if fnmatch.fnmatchcase(path, pattern.strip("/")):
                return pattern
        elif any(fnmatch.fnmatchcase(part, pattern.strip("/")) for part in parts):
            return pattern
    return None


def _text(path: Path, limit: int) -> str | None:
    from gatekeeper import fsutil

    try:
        data = fsutil.read_bounded(path, limit)
    except OSError:
        return None
    if b"\0" in data[:_BINARY_PROBE]:
        return None
    return data.decode("utf-8", "replace")


def contents(out: Unpacked, policy: Policy) -> list[Finding]:
    """Forbidden paths, oversized files and secrets in the files unpacked from one artifact."""
    from gatekeeper.gates.secrets.detect import mask, scan
    from gatekeeper.gates.secrets.gate import secret_hash

    publish = policy.publish
    name = out.archive.name
    found: list[Finding] = []
    for path, size in sorted(out.files.items()):
        pattern = forbidden_pattern(path, publish.forbidden)
        if pattern is not None:
            found.append(
                FORBIDDEN.finding(
                    f"{name} holds {path} (publish.forbidden {pattern!r}): exclude it from the "
                    "build (hatch: [tool.hatch.build.targets.sdist] include/exclude)",
                    name,
                    path,
                    location=_where(out.archive, path),
                    data={"artifact": name, "path": path, "pattern": pattern},
                )
            )
        if size > publish.max_file_bytes:
            found.append(
                TOO_LARGE.finding(
                    f"{name} holds {path} of {size} bytes, over publish.max_file_bytes "
                    f"({publish.max_file_bytes})",
                    name,
                    path,
                    location=_where(out.archive, path),
                    data={"artifact": name, "path": path, "size": size},
                )
            )
            continue
        text = _text(out.root / path, publish.max_file_bytes)
        for hit in scan(text, policy.secrets.min_entropy) if text else ():
            preview = mask(hit.secret)
            found.append(
                SECRET.finding(
                    f"{name}: {hit.what} {preview} in {path}: do not publish it; revoke or "
                    "rotate it, remove it from the source and its history",
                    name,
                    path,
                    secret_hash(hit.secret),
                    location=Location(f"{name}!{path}", hit.line, hit.column),
                    data={"artifact": name, "path": path, "what": hit.what, "preview": preview},
                )
            )
    return found


def untracked(sdist: Unpacked, source_root: Path) -> list[Finding]:
    """sdist files that ``git ls-files`` does not list in ``source_root``."""
    from gatekeeper.git import GitRepo

    tracked = GitRepo(source_root).tracked_files()
    name = sdist.archive.name
    if tracked is None:
        return [
            UNTRACKED.finding(
                f"{source_root} is not in a git repository: the sdist's files were not "
                "compared with what git tracks",
                name,
                location=Location(name),
                severity=Severity.INFO,
            )
        ]
    known = set(tracked)
    return [
        UNTRACKED.finding(
            f"{name} holds {path}, which git does not track in {source_root.name}: a local "
            "file the build picked up; commit it or exclude it from the build",
            name,
            path,
            location=_where(sdist.archive, path),
            data={"artifact": name, "path": path},
        )
        for path in sorted(sdist.files)
        if path not in known and not any(fnmatch.fnmatchcase(path, g) for g in GENERATED)
    ]


def _digest(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 16):
            digest.update(chunk)
    return digest.hexdigest()


def _installed_path(path: str) -> str | None:
    """Where a wheel file comes from in the source: None for the wheel's own metadata."""
    top, _, rest = path.partition("/")
    if top.endswith(".dist-info"):
        return None
    if top.endswith(".data"):
        kind, _, below = rest.partition("/")
        return below if kind in ("purelib", "platlib") else None
    return path


def not_from_sdist(sdist: Unpacked, wheel: Unpacked) -> list[Finding]:
    """Wheel files (outside ``*.dist-info`` and non-library ``*.data``) that are no sdist
    file with the same bytes, matched by path suffix (``src/pkg/a.py`` builds ``pkg/a.py``)."""
    by_name: dict[str, list[str]] = {}
    for path in sdist.files:
        by_name.setdefault(posixpath.basename(path), []).append(path)
    name = wheel.archive.name
    found = []
    for path in sorted(wheel.files):
        installed = _installed_path(path)
        if installed is None:
            continue
        candidates = [
            c
            for c in by_name.get(posixpath.basename(installed), [])
            if c == installed or c.endswith("/" + installed)
        ]
        digest = _digest(wheel.root / path)
        if any(_digest(sdist.root / c) == digest for c in candidates):
            continue
        why = "differs from the sdist's" if candidates else "is not in the sdist"
        found.append(
            NOT_FROM_SDIST.finding(
                f"{name} holds {path}, which {why}: the wheel must be built from the sdist",
                name,
                path,
                location=_where(wheel.archive, path),
                data={"artifact": name, "path": path},
            )
        )
    return found


# --------------------------------------------------------------------------- name


def _metadata(wheel: Unpacked) -> tuple[str, str] | None:
    """Name and Version from the wheel's ``*.dist-info/METADATA``."""
    from email.parser import HeaderParser

    files = [p for p in wheel.files if p.count("/") == 1 and p.endswith(".dist-info/METADATA")]
    if len(files) != 1:
        return None
    text = _text(wheel.root / files[0], 1 << 20) or ""
    headers = HeaderParser().parsestr(text)
    name, version = headers.get("Name"), headers.get("Version")
    if not name or not version:
        return None
    return str(name), str(version)


def identity(sdist: Path, wheel: Unpacked) -> tuple[list[Finding], tuple[str, str] | None]:
    """The distribution's name and version, and findings if the artifacts disagree on them."""
    from packaging.utils import (
        InvalidSdistFilename,
        InvalidWheelFilename,
        canonicalize_name,
        parse_sdist_filename,
        parse_wheel_filename,
    )

    meta = _metadata(wheel)
    where = Location(wheel.archive.name)
    if meta is None:
        return [
            MISMATCH.finding(
                f"{wheel.archive.name} has no readable METADATA with a Name and a Version",
                wheel.archive.name,
                location=where,
            )
        ], None
    try:
        from_wheel = parse_wheel_filename(wheel.archive.name)[:2]
        from_sdist = parse_sdist_filename(sdist.name)
    except (InvalidWheelFilename, InvalidSdistFilename) as exc:
        return [MISMATCH.finding(f"{exc}", sdist.name, location=where)], meta
    from packaging.version import InvalidVersion, Version

    try:
        from_meta = (canonicalize_name(meta[0]), Version(meta[1]))
    except InvalidVersion:
        return [], meta  # versions.check_version reports it
    if from_wheel == from_sdist == from_meta:
        return [], meta
    return [
        MISMATCH.finding(
            f"{sdist.name}, {wheel.archive.name} and the wheel's METADATA "
            f"({meta[0]} {meta[1]}) do not name the same distribution and version",
            sdist.name,
            wheel.archive.name,
            location=where,
        )
    ], meta


def check_name(name: str, policy: Policy, public: IndexClient | None = None) -> list[Finding]:
    """``name`` must match ``internal.prefixes`` and be absent from the public index
    (supply_chain's: ``supply_chain.public_index_url``, else ``audit.index_url``, else PyPI).
    ``public`` is that index's client (made from the policy when None)."""
    from gatekeeper.gates.audit import is_internal
    from gatekeeper.net.urls import redact

    where = Location(name)
    found = []
    if not is_internal(name, policy.internal.prefixes):
        prefixes = ", ".join(policy.internal.prefixes) or "(none)"
        found.append(
            NAME_PREFIX.finding(
                f"{name} does not start with an internal prefix ({prefixes}): rename it",
                name,
                location=where,
                data={"package": name},
            )
        )
    if public is None:
        from gatekeeper.deps.index import IndexClient
        from gatekeeper.gates.supply_chain.gate import public_index

        with IndexClient(public_index(policy)) as client:
            versions = client.versions(name)
            url = client.url
    else:
        versions, url = public.versions(name), public.url
    if versions is not None:
        found.append(
            NAME_PUBLIC.finding(
                f"{name} exists on the public index {redact(url)} ({len(versions)} "
                "version(s)): dependency confusion; claim the name there or rename it",
                name,
                location=where,
                data={"package": name, "index": redact(url), "public_versions": len(versions)},
            )
        )
    return found


# --------------------------------------------------------------------------- together


def listing_of(*artifacts: Unpacked) -> tuple[FileEntry, ...]:
    """Every unpacked file of ``artifacts``, by artifact then path."""
    return tuple(
        FileEntry(out.archive.name, path, size)
        for out in artifacts
        for path, size in sorted(out.files.items())
    )


def _size(size: int) -> str:
    for unit, scale in (("MB", 1e6), ("kB", 1e3)):
        if size >= scale:
            return f"{size / scale:.1f}{unit}"
    return f"{size}B"


def render_listing(listing: Sequence[FileEntry]) -> str:
    """The listing as ``npm publish --dry-run`` prints its tarball contents."""
    lines: list[str] = []
    artifacts = list(dict.fromkeys(entry.artifact for entry in listing))
    for artifact in artifacts:
        entries = [e for e in listing if e.artifact == artifact]
        lines.append(f"Contents of {artifact}")
        lines += [f"{_size(e.size):>8}  {e.path}" for e in entries]
        total = sum(e.size for e in entries)
        lines.append(f"total files: {len(entries)}, unpacked size: {_size(total)}")
    return "\n".join(lines) + "\n"


def vet_artifacts(
    sdist: Path,
    wheel: Path,
    *,
    source_root: Path,
    policy: Policy,
    existing_versions: Iterable[str] | None = None,
    public: IndexClient | None = None,
    limits: Limits | None = None,
) -> Vetting:
    """Every check of the module docstring on the built ``sdist`` and ``wheel`` of the project
    in ``source_root``. ``existing_versions`` are the target index's versions of the package
    (None: the version is not compared); ``public`` the public index's client (None: made from
    the policy). Network failures of the public index raise BackendUnavailable (exit 3)."""
    started = time.monotonic()
    findings: list[Finding] = []
    with unpacked(sdist, limits) as src, unpacked(wheel, limits) as whl:
        findings += [*src.findings, *whl.findings]
        if not src.blocked:
            findings += twine_check(sdist)
        if not whl.blocked:
            findings += twine_check(wheel)
            findings += wheel_contents(wheel)
        findings += contents(src, policy) + contents(whl, policy)
        findings += untracked(src, source_root)
        findings += not_from_sdist(src, whl)
        mismatch, meta = identity(sdist, whl)
        findings += mismatch
        listing = listing_of(src, whl)
    name, version = meta if meta is not None else (None, None)
    if name is not None:
        findings += check_name(name, policy, public)
    if name is not None and version is not None and existing_versions is not None:
        from gatekeeper.registry.versions import check_version

        findings += check_version(name, version, existing_versions)
    return Vetting(tuple(findings), listing, name, version, time.monotonic() - started)
