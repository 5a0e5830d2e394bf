"""Open a built sdist (``.tar.gz``) or wheel (``.whl``, a zip) without trusting it: list its
members, and extract the safe ones into a temporary directory only.

An archive is input from whoever wrote the package's build configuration. Each member that
could write outside the extraction directory or exhaust the disk is refused with a finding and
never written: a ``..`` component, an absolute or drive path, a symbolic or hard link that
points out of the archive (any link at all in a wheel: installers do not make them), a device,
FIFO or other special file, a name seen before (also after normalisation and case folding: it
overwrites on extraction, or collides on a case-insensitive disk), more than
:attr:`Limits.max_members` members, a member larger than :attr:`Limits.max_member_bytes`, more
than :attr:`Limits.max_total_bytes` in all, or a size more than :attr:`Limits.max_ratio` times
the archive's own (a decompression bomb). Sizes are judged from the headers before a byte is
unpacked: tarfile and zipfile never return more bytes than a header declares (zipfile then fails
its length and CRC check), so a lying header makes an unreadable archive, not a bomb. Reading
stops at the first bomb: skipping a tar member's data would unpack it.

Extraction writes regular files only (mode 0644, directories 0755), each opened with
``O_CREAT | O_EXCL | O_NOFOLLOW`` below a directory made for the purpose; nothing in the
archive decides a file's mode, owner or time. Links that stay inside an sdist are listed but not
extracted (an info finding).
"""

from __future__ import annotations

import os
import posixpath
import shutil
import stat
import tarfile
import tempfile
import zipfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Literal, TypeVar, cast

from gatekeeper.errors import ArchiveError
from gatekeeper.model import Finding, Location, Rule, Severity

Kind = Literal["sdist", "wheel"]
MemberType = Literal["file", "dir", "symlink", "hardlink", "special"]

TRAVERSAL = Rule(
    "GK-PUB-001",
    "Archive member escapes with ..",
    Severity.CRITICAL,
    cwe=22,
    description="An sdist or wheel member whose path has a `..` component: extracting it "
    "writes outside the target directory (path traversal). Refused, never extracted.",
)
ABSOLUTE = Rule(
    "GK-PUB-002",
    "Archive member with an absolute path",
    Severity.CRITICAL,
    cwe=22,
    description="An sdist or wheel member named by an absolute path (`/etc/x`, `C:\\x`, "
    "`\\\\host\\x`). Refused, never extracted.",
)
LINK = Rule(
    "GK-PUB-003",
    "Archive link",
    Severity.CRITICAL,
    cwe=59,
    description="A symbolic or hard link in a wheel, or one in an sdist that points outside "
    "the archive; a link that stays inside an sdist is reported as info. Links are never "
    "extracted.",
)
SPECIAL = Rule(
    "GK-PUB-004",
    "Archive device or special file",
    Severity.CRITICAL,
    cwe=434,
    description="A character or block device, FIFO or other non-regular member. Refused.",
)
BOMB = Rule(
    "GK-PUB-005",
    "Archive too large when unpacked",
    Severity.CRITICAL,
    cwe=409,
    description="A member larger than the per-member limit, members larger than the total "
    "limit, or an unpacked size too many times the archive's (a decompression bomb). "
    "Extraction stops at the limit.",
)
DUPLICATE = Rule(
    "GK-PUB-006",
    "Archive member named twice",
    Severity.HIGH,
    cwe=434,
    description="Two members with the same name, also after normalising the path or folding "
    "case: one overwrites the other on extraction, and which one is installed depends on the "
    "tool. The second is refused.",
)
TOO_MANY = Rule(
    "GK-PUB-007",
    "Archive has too many members",
    Severity.HIGH,
    cwe=400,
    description="More members than the limit; the rest are not read.",
)
UNREADABLE = Rule(
    "GK-PUB-008",
    "Archive cannot be read",
    Severity.HIGH,
    description="Not a gzip-compressed tar (sdist) or zip (wheel), truncated or corrupt.",
)
RULES: tuple[Rule, ...] = (
    TRAVERSAL,
    ABSOLUTE,
    LINK,
    SPECIAL,
    BOMB,
    DUPLICATE,
    TOO_MANY,
    UNREADABLE,
)
_CHUNK = 1 << 16
_Info = TypeVar("_Info", tarfile.TarInfo, zipfile.ZipInfo)


@dataclass(frozen=True, slots=True)
class Limits:
    """What an archive may hold. The defaults are far above any internal package."""

    max_members: int = 10_000
    max_member_bytes: int = 64 << 20
    max_total_bytes: int = 256 << 20
    #: Unpacked bytes per archive byte; text compresses about 5:1, so 100 leaves room.
    max_ratio: float = 100.0
    #: The ratio is not applied to the first this many unpacked bytes (small archives of
    #: repetitive text compress far better than 100:1 and harm nobody).
    ratio_floor_bytes: int = 4 << 20


@dataclass(frozen=True, slots=True)
class Member:
    """One member: its name as stored, its type, its size (bytes) and a link's target."""

    name: str
    type: MemberType
    size: int = 0
    target: str | None = None


@dataclass(frozen=True, slots=True)
class Unpacked:
    """What :func:`unpacked` made of an archive.

    ``root`` is where its safe regular files were written (the sdist's single top directory,
    ``name-version/``, when it has one); ``files`` maps each written file's path relative to
    ``root`` to its size. ``findings`` are the refusals; ``members`` every member read.
    """

    archive: Path
    kind: Kind
    root: Path
    files: dict[str, int] = field(default_factory=dict)
    members: tuple[Member, ...] = ()
    findings: tuple[Finding, ...] = ()

    @property
    def blocked(self) -> bool:
        """Whether a refusal stronger than info was found (the archive must not be trusted)."""
        return any(f.severity > Severity.INFO for f in self.findings)


def kind_of(archive: Path) -> Kind:
    """``sdist`` for ``.tar.gz``, ``wheel`` for ``.whl``; anything else is an ArchiveError."""
    if archive.name.endswith(".tar.gz"):
        return "sdist"
    if archive.name.endswith(".whl"):
        return "wheel"
    raise ArchiveError("not an sdist (.tar.gz) or a wheel (.whl)", path=archive)


def _components(name: str) -> list[str]:
    return [part for part in name.replace("\\", "/").split("/") if part not in ("", ".")]


def _is_absolute(name: str) -> bool:
    text = name.replace("\\", "/")
    return text.startswith("/") or (len(text) > 1 and text[1] == ":" and text[0].isalpha())


class _Judge:
    """Judges members in order and collects the findings about one archive."""

    def __init__(self, archive: Path, kind: Kind, limits: Limits) -> None:
        self.archive = archive
        self.kind = kind
        self.limits = limits
        self.findings: list[Finding] = []
        self.seen: set[str] = set()
        self.total = 0
        self.stopped = False
        by_ratio = int(archive.stat().st_size * limits.max_ratio)
        self.budget = min(limits.max_total_bytes, max(by_ratio, limits.ratio_floor_bytes))

    def refuse(self, rule: Rule, member: str, why: str, severity: Severity | None = None) -> None:
        shown = member.encode("unicode_escape").decode("ascii")[:200]
        self.findings.append(
            rule.finding(
                f"{self.archive.name}: {shown!r} {why}",
                self.archive.name,
                member,
                location=Location(f"{self.archive.name}!{shown}"),
                severity=severity,
                data={"archive": self.archive.name, "member": shown, "kind": self.kind},
            )
        )

    def path_ok(self, name: str) -> str | None:
        """``name`` normalised (``a/b``), or None when refused."""
        if _is_absolute(name):
            self.refuse(ABSOLUTE, name, "is an absolute path")
            return None
        parts = _components(name)
        if ".." in parts:
            self.refuse(TRAVERSAL, name, "has a '..' component (path traversal)")
            return None
        if not parts:
            return None
        return "/".join(parts)

    def unique(self, name: str, normalised: str) -> bool:
        key = normalised.casefold()
        if key in self.seen:
            self.refuse(DUPLICATE, name, "is named twice (after normalising and folding case)")
            return False
        self.seen.add(key)
        return True

    def link_ok(self, name: str, normalised: str, target: str, hard: bool) -> None:
        what = "a hard link" if hard else "a symbolic link"
        if self.kind == "wheel":
            self.refuse(LINK, name, f"is {what} (wheels hold regular files only)")
            return
        base = "" if hard else posixpath.dirname(normalised)
        joined = target if _is_absolute(target) else posixpath.join(base, target)
        parts = _components(posixpath.normpath(joined.replace("\\", "/")))
        if _is_absolute(target) or (parts and parts[0] == ".."):
            self.refuse(LINK, name, f"is {what} pointing outside the archive")
            return
        self.refuse(LINK, name, f"is {what} inside the archive: not extracted", Severity.INFO)

    def size_ok(self, name: str, size: int) -> bool:
        """Whether ``size`` more bytes of ``name`` are within the limits; the first time they
        are not, a finding, and reading stops (skipping a bomb's data would unpack it)."""
        if size > self.limits.max_member_bytes:
            self.refuse(BOMB, name, f"unpacks to more than {self.limits.max_member_bytes} bytes")
            self.stopped = True
            return False
        if self.total + size > self.budget:
            self.stopped = True
            self.refuse(
                BOMB,
                name,
                f"brings the unpacked size over {self.budget} bytes (at most "
                f"{self.limits.max_total_bytes} in all and {self.limits.max_ratio:g} times the "
                "archive)",
            )
            return False
        return True


def _copy(source: IO[bytes], dest: Path) -> int:
    """Copy ``source`` into the new file ``dest`` (never through a link); the bytes written."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
    written = 0
    with os.fdopen(os.open(dest, flags, 0o644), "wb") as out:
        while chunk := source.read(_CHUNK):
            written += len(chunk)
            out.write(chunk)
    return written


def _target(dest: Path, normalised: str) -> Path | None:
    """Where ``normalised`` is written below ``dest``; None if a parent is not a plain
    directory we made (a file of the same name came first)."""
    path = dest.joinpath(*normalised.split("/"))
    parent = path.parent
    for ancestor in reversed([parent, *parent.parents]):
        if ancestor == dest or not ancestor.is_relative_to(dest):
            continue
        if ancestor.exists() and not ancestor.is_dir():
            return None
        ancestor.mkdir(mode=0o755, exist_ok=True)
    if path.exists() or path.is_symlink():
        return None
    return path


def _within_limits(
    judge: _Judge, infos: Iterable[_Info], name: Callable[[_Info], str]
) -> Iterator[_Info]:
    """``infos`` (tar or zip members) one by one, until the member limit is passed (a
    finding) or the judge has stopped the reading."""
    for count, info in enumerate(infos, 1):
        if count > judge.limits.max_members:
            judge.refuse(TOO_MANY, name(info), f"is past the {judge.limits.max_members}th member")
            return
        yield info
        if judge.stopped:
            return


def _tar_members(
    archive: Path, judge: _Judge, dest: Path | None
) -> Iterator[tuple[Member, int | None]]:
    with tarfile.open(archive, mode="r:gz") as tar:
        for info in _within_limits(judge, _tar_infos(tar), lambda i: i.name):
            yield from _tar_member(tar, info, judge, dest)


def _tar_infos(tar: tarfile.TarFile) -> Iterator[tarfile.TarInfo]:
    while (info := tar.next()) is not None:
        yield info


def _tar_member(
    tar: tarfile.TarFile, info: tarfile.TarInfo, judge: _Judge, dest: Path | None
) -> Iterator[tuple[Member, int | None]]:
    name = info.name
    normalised = judge.path_ok(name)
    if info.issym() or info.islnk():
        member = Member(name, "hardlink" if info.islnk() else "symlink", 0, info.linkname)
        if normalised is not None and judge.unique(name, normalised):
            judge.link_ok(name, normalised, info.linkname, info.islnk())
        yield member, None
        return
    if info.isdir():
        yield Member(name, "dir"), None
        return
    if not info.isreg():
        judge.refuse(SPECIAL, name, "is a device, FIFO or other special file")
        yield Member(name, "special"), None
        return
    member = Member(name, "file", info.size)
    if normalised is None or not judge.unique(name, normalised):
        yield member, None
        return
    yield member, _write(judge, name, normalised, info.size, dest, lambda: tar.extractfile(info))


def _zip_type(info: zipfile.ZipInfo) -> MemberType:
    mode = info.external_attr >> 16
    if stat.S_ISLNK(mode):
        return "symlink"
    if info.is_dir():
        return "dir"
    if stat.S_IFMT(mode) not in (0, stat.S_IFREG):  # permission bits alone: a file
        return "special"
    return "file"


def _zip_members(
    archive: Path, judge: _Judge, dest: Path | None
) -> Iterator[tuple[Member, int | None]]:
    with zipfile.ZipFile(archive) as zf:
        for info in _within_limits(judge, zf.infolist(), lambda i: i.filename):
            yield from _zip_member(zf, info, judge, dest)


def _zip_member(
    zf: zipfile.ZipFile, info: zipfile.ZipInfo, judge: _Judge, dest: Path | None
) -> Iterator[tuple[Member, int | None]]:
    name = info.filename
    normalised = judge.path_ok(name)
    kind = _zip_type(info)
    if kind == "symlink":
        with zf.open(info) as source:
            target = source.read(4096).decode("utf-8", "replace")
        if normalised is not None and judge.unique(name, normalised):
            judge.link_ok(name, normalised, target, hard=False)
        yield Member(name, "symlink", 0, target), None
        return
    if kind == "dir":
        yield Member(name, "dir"), None
        return
    if kind == "special":
        judge.refuse(SPECIAL, name, "is a device, FIFO or other special file")
        yield Member(name, "special"), None
        return
    member = Member(name, "file", info.file_size)
    if normalised is None or not judge.unique(name, normalised):
        yield member, None
        return
    yield member, _write(judge, name, normalised, info.file_size, dest, lambda: zf.open(info))


def _write(
    judge: _Judge,
    name: str,
    normalised: str,
    size: int,
    dest: Path | None,
    opener: Callable[[], IO[bytes] | None],
) -> int | None:
    """A regular member of ``size`` bytes (its header's) within the limits: written below
    ``dest`` (when extracting), and its size; None when refused."""
    if not judge.size_ok(name, size):
        return None
    judge.total += size
    if dest is None:
        return size
    path = _target(dest, normalised)
    if path is None:
        judge.refuse(
            DUPLICATE, name, "collides with another member's path (a file and a directory)"
        )
        return None
    with cast(IO[bytes], opener()) as source:
        return _copy(source, path)


def _read(
    archive: Path, kind: Kind, limits: Limits, dest: Path | None
) -> tuple[list[Member], dict[str, int], list[Finding]]:
    judge = _Judge(archive, kind, limits)
    members: list[Member] = []
    files: dict[str, int] = {}
    read = _tar_members if kind == "sdist" else _zip_members
    try:
        for member, size in read(archive, judge, dest):
            members.append(member)
            if size is not None:
                files["/".join(_components(member.name))] = size
    except (tarfile.TarError, zipfile.BadZipFile, EOFError, OSError, ValueError) as exc:
        why = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
        judge.refuse(UNREADABLE, archive.name, f"cannot be read: {why}")
    return members, files, judge.findings


def list_members(archive: Path, limits: Limits | None = None) -> Unpacked:
    """Every member of ``archive`` and the refusals, without writing anything (the sizes of
    regular files are counted by reading them). ``root`` is the archive's directory."""
    kind = kind_of(archive)
    members, files, findings = _read(archive, kind, limits or Limits(), None)
    return Unpacked(archive, kind, archive.parent, files, tuple(members), tuple(findings))


def _top(files: dict[str, int], kind: Kind) -> str | None:
    """An sdist's single top directory, if every file is below it."""
    if kind != "sdist" or not files:
        return None
    tops = {name.split("/", 1)[0] for name in files}
    if len(tops) != 1 or any("/" not in name for name in files):
        return None
    return tops.pop()


@contextmanager
def unpacked(archive: Path, limits: Limits | None = None) -> Iterator[Unpacked]:
    """``archive``'s safe regular files extracted into a new temporary directory, removed on
    exit. Refused members are findings, never files."""
    kind = kind_of(archive)
    temp = Path(tempfile.mkdtemp(prefix="gatekeeper-unpack-"))
    try:
        dest = temp / "x"
        dest.mkdir(mode=0o755)
        members, files, findings = _read(archive, kind, limits or Limits(), dest)
        root = dest
        top = _top(files, kind)
        if top is not None:
            root = dest / top
            files = {name.split("/", 1)[1]: size for name, size in files.items()}
        yield Unpacked(archive, kind, root, files, tuple(members), tuple(findings))
    finally:
        shutil.rmtree(temp, ignore_errors=True)
