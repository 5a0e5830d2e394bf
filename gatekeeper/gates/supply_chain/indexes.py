"""Extra package indexes committed to a repository: requirements files, ``pip.conf``,
``uv.toml`` and ``pyproject.toml``'s ``[tool.uv]``.

pip merges ``--extra-index-url`` indexes with the main one and installs the highest version any
of them serves, so a public name squatting an internal one wins. uv's ``[[index]]`` entries are
extra indexes too unless ``default = true`` (it replaces PyPI) or ``explicit = true`` (only the
packages ``[tool.uv.sources]`` pins to it use it).

Files are read only when they are regular files inside the repository, at most
:data:`MAX_BYTES`; a binary, huge, non-UTF-8 or outside file is skipped and counted, never read.
"""

from __future__ import annotations

import configparser
import shlex
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from gatekeeper.model import Location

if TYPE_CHECKING:
    from gatekeeper.git import GitRepo

#: Index configuration files are a few hundred bytes.
MAX_BYTES = 1 << 20
#: Where pip and uv read configuration committed to a repository.
CONFIG_FILES = (
    "pip.conf",
    "pip.ini",
    ".pip/pip.conf",
    "uv.toml",
    ".config/uv/uv.toml",
    "pyproject.toml",
)
_PIP_KEYS = frozenset({"extra-index-url", "extra_index_url"})


@dataclass(frozen=True, slots=True)
class ExtraIndex:
    """An extra index ``url`` (credentials masked) set at ``location`` by ``how``."""

    url: str
    location: Location
    how: str


@dataclass(slots=True)
class Scan:
    found: list[ExtraIndex] = field(default_factory=list)
    #: Files not read: path → why.
    skipped: dict[str, str] = field(default_factory=dict)


#: Reads a file's text for :func:`scan`: ``(path, scan, limit)``; None when absent or skipped.
TextReader = Callable[[str, Scan, int], str | None]


def tree_text(root: Path) -> TextReader:
    """A :data:`TextReader` of the working tree at ``root`` (:func:`read_text`)."""
    return lambda rel, scan, limit: read_text(root, rel, scan, limit)


def read_text(root: Path, rel: str, scan: Scan, limit: int = MAX_BYTES) -> str | None:
    """The UTF-8 text of ``rel`` inside ``root``, at most ``limit`` bytes; None when absent or
    skipped (and counted)."""
    from gatekeeper import fsutil

    path = root / rel
    if not path.is_symlink() and not path.exists():
        return None
    try:
        inside = path.resolve().is_relative_to(root.resolve())
    except (OSError, RuntimeError):  # a symlink loop (RuntimeError before Python 3.13)
        inside = False
    if not inside:
        scan.skipped[rel] = "outside the repository (a symlink)"
        return None
    try:
        data = fsutil.read_bounded(path, limit)
    except OSError as exc:
        scan.skipped[rel] = exc.strerror or type(exc).__name__
        return None
    return decode(rel, data, scan)


def git_text(git: GitRepo, ref: str) -> TextReader:
    """A :data:`TextReader` of the files at ``ref`` (``git show``, no checkout), with the same
    checks: a file that is not there is None; a larger, binary or non-UTF-8 one is skipped."""
    from gatekeeper.errors import InputError

    def read(rel: str, scan: Scan, limit: int) -> str | None:
        try:
            data = git.show(ref, rel)
        except InputError:  # larger than git's own bound (above every limit): not read
            data = None
            too_large = True
        else:
            too_large = data is not None and len(data) > limit
        if too_large:
            scan.skipped[rel] = f"larger than {limit} bytes"
            return None
        return None if data is None else decode(rel, data, scan)

    return read


def decode(rel: str, data: bytes, scan: Scan) -> str | None:
    """``data`` (the content of ``rel``) as UTF-8 text; None (counted) if binary or not UTF-8."""
    if b"\0" in data:
        scan.skipped[rel] = "a binary file"
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        scan.skipped[rel] = f"not UTF-8 text (byte {exc.start})"
        return None


def _masked(url: str) -> str:
    from gatekeeper.excerpt import mask_credentials

    return mask_credentials(url)


def requirements_file(rel: str, text: str, scan: Scan) -> None:
    from gatekeeper.deps.requirements import logical_lines

    for line in logical_lines(text, rel):
        if not line.text.startswith("--extra-index-url"):
            continue
        try:
            tokens = shlex.split(line.text)
        except ValueError:
            tokens = line.text.split()
        head, _, value = tokens[0].partition("=")
        if head != "--extra-index-url":
            continue
        url = value or (tokens[1] if len(tokens) > 1 else "")
        scan.found.append(ExtraIndex(_masked(url), Location(rel, line.line), "--extra-index-url"))


def pip_conf(rel: str, text: str, scan: Scan) -> None:
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    try:
        parser.read_string(text, source=rel)
    except configparser.Error as exc:
        scan.skipped[rel] = f"not an ini file: {type(exc).__name__}"
        return
    lines = text.splitlines()
    for section in parser.sections():
        for key, value in parser.items(section, raw=True):
            if key not in _PIP_KEYS:
                continue
            line = next((n for n, raw in enumerate(lines, 1) if raw.strip().startswith(key)), 1)
            for url in value.split():
                scan.found.append(
                    ExtraIndex(_masked(url), Location(rel, line), f"[{section}] {key}")
                )


def uv_toml(rel: str, text: str, scan: Scan) -> None:
    """``uv.toml``, or ``pyproject.toml``'s ``[tool.uv]``: ``extra-index-url`` (also under
    ``[pip]``) and every ``[[index]]`` that is neither the default nor explicit."""
    import tomllib

    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        scan.skipped[rel] = f"not TOML: {exc}"
        return
    settings: object = data
    prefix: tuple[str, ...] = ()
    if rel.endswith("pyproject.toml"):
        tool = data.get("tool")
        settings = tool.get("uv") if isinstance(tool, dict) else None
        prefix = ("tool", "uv")
    if isinstance(settings, dict):
        _uv_settings(rel, text, settings, prefix, scan)


def _uv_settings(
    rel: str, text: str, data: dict[str, object], prefix: tuple[str, ...], scan: Scan
) -> None:
    from gatekeeper.tomlfile import locate

    pip = data.get("pip")
    for table, where in ((data, prefix), (pip, (*prefix, "pip"))):
        extra = table.get("extra-index-url", []) if isinstance(table, dict) else []
        for url in [extra] if isinstance(extra, str) else _strings(extra):
            line = locate(text, (*where, "extra-index-url"))
            how = ".".join((*where, "extra-index-url"))
            scan.found.append(ExtraIndex(_masked(url), Location(rel, line), how))
    entries = data.get("index", [])
    for entry in entries if isinstance(entries, list) else []:
        if not isinstance(entry, dict) or entry.get("default") is True:
            continue
        if entry.get("explicit") is True:
            continue
        url = str(entry.get("url", ""))
        how = f"[[{'.'.join((*prefix, 'index'))}]]"
        scan.found.append(ExtraIndex(_masked(url), Location(rel, _line_of(text, url)), how))


def _strings(value: object) -> Iterable[str]:
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def _line_of(text: str, needle: str) -> int | None:
    if not needle:
        return None
    return next((n for n, raw in enumerate(text.splitlines(), 1) if needle in raw), None)


def scan(read: TextReader, requirements: Iterable[str]) -> Scan:
    """The extra indexes ``requirements`` files (read within the audit's own bound) and the
    configuration files name, each read with ``read`` (:func:`tree_text`, :func:`git_text`)."""
    from gatekeeper.deps.discover import MAX_FILE_BYTES

    result = Scan()
    for rel in requirements:
        text = read(rel, result, MAX_FILE_BYTES)
        if text is not None:
            requirements_file(rel, text, result)
    for rel in CONFIG_FILES:
        text = read(rel, result, MAX_BYTES)
        if text is not None:
            (uv_toml if rel.endswith(".toml") else pip_conf)(rel, text, result)
    return result
