"""Which files to audit, and every dependency they declare.

Discovery (when the policy lists no files) looks at the repository root and a ``requirements/``
directory: ``pylock.toml``/``pylock.*.toml``, ``uv.lock``, ``poetry.lock``, ``*requirements*.txt``,
``*.lock`` files in requirements format (rye's ``requirements-dev.lock``, pip-tools variants) and
``pyproject.toml``. When a lockfile is present, the ranges in ``pyproject.toml`` are resolved
by it, so the lock's pinned entries are audited instead of the ranges.

Every path comes from an input (the policy, a ``-r`` include), so it is read only when it stays
inside the repository (symlinks resolved), names a regular file (no FIFO, no ``/dev/zero``) and
is at most :data:`MAX_FILE_BYTES` long.
"""

from __future__ import annotations

import fnmatch
import importlib
import posixpath
import re
from collections.abc import Sequence
from pathlib import Path, PurePosixPath
from typing import Protocol

from gatekeeper.deps.interface import Dependency, ParseContext, Reader
from gatekeeper.errors import LockfileError
from gatekeeper.excerpt import excerpt


class Parser(Protocol):
    def __call__(
        self, path: str, reader: Reader, *, context: ParseContext | None = None
    ) -> list[Dependency]: ...


LOCK_KINDS = frozenset({"pylock", "uv.lock", "poetry.lock"})
#: The largest dependency file read (real lockfiles are well under a megabyte).
MAX_FILE_BYTES = 16 * 1024**2
#: ``*.lock`` files that are never in requirements format.
_OTHER_LOCKS = frozenset(
    {
        "uv.lock",
        "poetry.lock",
        "pipfile.lock",
        "pdm.lock",
        "cargo.lock",
        "yarn.lock",
        "gemfile.lock",
        "composer.lock",
        "flake.lock",
        "package.lock",
        "pixi.lock",
        "conda.lock",
    }
)
#: A requirements-format line: an option or ``name`` followed by a version operator or ``@``.
_REQUIREMENT_LINE = re.compile(
    r"(-{1,2}[a-z]|[A-Za-z0-9][A-Za-z0-9._-]*\s*(\[[^\]]*\])?\s*(===?|~=|!=|<=?|>=?|@|;|$))"
)
#: Files whose presence makes a directory a Python project.
_PROJECT_FILES = ("pyproject.toml", "setup.py", "setup.cfg", "Pipfile")
#: kind → "module:function"; imported on first use so a requirements-only audit loads no TOML.
_PARSERS: dict[str, str] = {
    "requirements": "gatekeeper.deps.requirements:parse_requirements",
    "pyproject": "gatekeeper.deps.pyproject:parse_pyproject",
    "pylock": "gatekeeper.deps.pylock:parse_pylock",
    "uv.lock": "gatekeeper.deps.uvlock:parse_uv_lock",
    "poetry.lock": "gatekeeper.deps.poetrylock:parse_poetry_lock",
}


def parser_for(kind: str) -> Parser:
    module, _, function = _PARSERS[kind].partition(":")
    parser: Parser = getattr(importlib.import_module(module), function)
    return parser


def kind_of(path: str) -> str:
    name = PurePosixPath(path).name
    if name == "pyproject.toml":
        return "pyproject"
    if name == "uv.lock":
        return "uv.lock"
    if name == "poetry.lock":
        return "poetry.lock"
    if fnmatch.fnmatch(name, "pylock.toml") or fnmatch.fnmatch(name, "pylock.*.toml"):
        return "pylock"
    return "requirements"


def inside_repository(path: str) -> str | None:
    """``path`` (relative to the root, ``/`` or ``\\`` separated) normalized, or None when it is
    absolute or climbs out of the repository with ``..``."""
    norm = posixpath.normpath(path.replace("\\", "/"))
    if (
        norm.startswith("/")
        or norm == ".."
        or norm.startswith("../")
        or re.match(r"[A-Za-z]:", norm)
    ):
        return None
    return norm


def outside_error(path: str, where: str | None = None, line: int | None = None) -> LockfileError:
    """The refusal of a path outside the repository; names the path, never its content."""
    return LockfileError(
        f"{excerpt(path)} is outside the repository: refused",
        path=where if where is not None else path,
        line=line,
        hint="dependency files and their -r/-c includes must be inside the repository",
    )


def read_bounded(target: Path, shown: str) -> str:
    """A regular file's UTF-8 text, at most :data:`MAX_FILE_BYTES`; else a LockfileError."""
    from gatekeeper import fsutil

    try:
        data = fsutil.read_bounded(target, MAX_FILE_BYTES)
    except OSError as exc:
        reason = exc.strerror or exc.__class__.__name__
        raise LockfileError(f"cannot read: {reason}: refused", path=shown) from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise LockfileError(f"not UTF-8 text (byte {exc.start})", path=shown) from None


def working_tree_reader(root: Path) -> Reader:
    base = root.resolve()

    def read(path: str) -> str | None:
        rel = inside_repository(path)
        if rel is None:
            raise outside_error(path)
        try:
            real = (base / rel).resolve(strict=True)
        except FileNotFoundError:
            return None
        except (OSError, RuntimeError) as exc:  # a symlink loop, a permission problem
            raise LockfileError(f"cannot read: {exc.__class__.__name__}", path=path) from None
        if not real.is_relative_to(base):
            raise outside_error(path)
        return read_bounded(real, path)

    return read


def is_requirements_lock(path: Path) -> bool:
    """Whether a ``*.lock`` file is in requirements format: its first meaningful line is a
    requirement or an option (rye writes ``-e file:.`` and ``name==version`` lines)."""
    if path.name.lower() in _OTHER_LOCKS or not path.is_file():
        return False
    try:
        with path.open("rb") as handle:
            head = handle.read(8192).decode("utf-8", errors="replace")
    except OSError:
        return False
    for raw in head.splitlines():
        line = raw.strip()
        if line and not line.startswith("#"):
            return _REQUIREMENT_LINE.match(line) is not None
    return False


def has_python_project(root: Path) -> bool:
    """A ``pyproject.toml``, ``setup.py``, ``setup.cfg``, ``Pipfile`` or ``requirements*``."""
    if any((root / name).exists() for name in _PROJECT_FILES):
        return True
    return any(root.glob("requirements*")) or any(root.glob("*requirements*.txt"))


def discover_files(root: Path) -> list[str]:
    """Dependency files at the root and under ``requirements/``, in a stable order."""
    found: list[str] = []
    for pattern in ("pylock.toml", "pylock.*.toml", "uv.lock", "poetry.lock"):
        found += sorted(p.name for p in root.glob(pattern) if p.is_file())
    found += sorted(p.name for p in root.glob("*requirements*.txt") if p.is_file())
    found += sorted(p.name for p in root.glob("*.lock") if is_requirements_lock(p))
    found += sorted(
        f"requirements/{p.name}" for p in root.glob("requirements/*.txt") if p.is_file()
    )
    found += sorted(
        f"requirements/{p.name}"
        for p in root.glob("requirements/*.lock")
        if is_requirements_lock(p)
    )
    if (root / "pyproject.toml").is_file():
        found.append("pyproject.toml")
    return found


def collect(
    files: Sequence[str], reader: Reader, context: ParseContext | None = None
) -> list[Dependency]:
    """Every dependency the files declare, duplicates (the same file reached twice) removed."""
    kinds = [kind_of(f) for f in files]
    has_lock = any(k in LOCK_KINDS for k in kinds)
    deps: dict[Dependency, None] = {}
    for path, kind in zip(files, kinds, strict=True):
        if kind == "pyproject" and has_lock:
            continue
        for dep in parser_for(kind)(path, reader, context=context):
            deps.setdefault(dep, None)
    return list(deps)


def declared(files: Sequence[str], reader: Reader) -> dict[str, str]:
    """Name → the specifier a requirements file or pyproject declares (for ``outdated``)."""
    specs: dict[str, str] = {}
    for path in files:
        kind = kind_of(path)
        if kind in ("requirements", "pyproject"):
            for dep in parser_for(kind)(path, reader):
                specs.setdefault(dep.name, dep.specifier)
    return specs
