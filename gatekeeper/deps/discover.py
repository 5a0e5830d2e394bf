"""Which files to audit, and every dependency they declare.

Discovery (when the policy lists no files) looks at the repository root and a ``requirements/``
directory: ``pylock.toml``/``pylock.*.toml``, ``uv.lock``, ``poetry.lock``, ``*requirements*.txt``
and ``pyproject.toml``. When a lockfile is present, the ranges in ``pyproject.toml`` are resolved
by it, so the lock's pinned entries are audited instead of the ranges.
"""

from __future__ import annotations

import fnmatch
import importlib
from collections.abc import Callable, Sequence
from pathlib import Path, PurePosixPath

from gatekeeper.deps.interface import Dependency, Reader
from gatekeeper.errors import LockfileError

Parser = Callable[[str, Reader], list[Dependency]]
LOCK_KINDS = frozenset({"pylock", "uv.lock", "poetry.lock"})
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


def working_tree_reader(root: Path) -> Reader:
    def read(path: str) -> str | None:
        target = root / path
        try:
            return target.read_text("utf-8")
        except FileNotFoundError:
            return None
        except (OSError, UnicodeDecodeError) as exc:
            raise LockfileError(f"cannot read: {exc.__class__.__name__}", path=path) from None

    return read


def discover_files(root: Path) -> list[str]:
    """Dependency files at the root and under ``requirements/``, in a stable order."""
    found: list[str] = []
    for pattern in ("pylock.toml", "pylock.*.toml", "uv.lock", "poetry.lock"):
        found += sorted(p.name for p in root.glob(pattern) if p.is_file())
    found += sorted(p.name for p in root.glob("*requirements*.txt") if p.is_file())
    found += sorted(
        f"requirements/{p.name}" for p in root.glob("requirements/*.txt") if p.is_file()
    )
    if (root / "pyproject.toml").is_file():
        found.append("pyproject.toml")
    return found


def collect(files: Sequence[str], reader: Reader) -> list[Dependency]:
    """Every dependency the files declare, duplicates (the same file reached twice) removed."""
    kinds = [kind_of(f) for f in files]
    has_lock = any(k in LOCK_KINDS for k in kinds)
    deps: dict[Dependency, None] = {}
    for path, kind in zip(files, kinds, strict=True):
        if kind == "pyproject" and has_lock:
            continue
        for dep in parser_for(kind)(path, reader):
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
