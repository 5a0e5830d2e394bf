"""Coverage results in one shape, whatever produced them: coverage.py JSON or Cobertura XML.

Paths in coverage data are mapped onto the scanned repository (:class:`PathMap`): first through
the repository's ``[paths]`` aliases, as ``coverage combine`` applies them; then absolute paths
under the root, paths relative to the root or to an XML ``<source>``, and, for data recorded on
another machine (CI checkouts live elsewhere), the longest path suffix that names a file under
the root. Files outside the repository are ignored; installed code (site-packages, the
interpreter's library) is never suffix-mapped, so a ``utils.py`` of a dependency cannot lend its
coverage to ours. An installed copy of a repository file that no alias maps is remembered, so
the gate can say so instead of calling the file never imported.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.parsers import expat

from gatekeeper.errors import InputError

INSTALLED_DIRS = frozenset({"site-packages", "dist-packages"})
#: The largest coverage report read (JSON or XML); larger is an input error, not a memory blow-up.
MAX_REPORT_BYTES = 512 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class FileCoverage:
    """One source file: its statements, what was missed, and its branch counts."""

    path: str
    statements: frozenset[int]
    missing: frozenset[int]
    branches: int = 0
    branches_covered: int = 0
    missing_branches: tuple[tuple[int, int], ...] = ()

    @property
    def unimported(self) -> bool:
        return bool(self.statements) and self.missing == self.statements


@dataclass(frozen=True, slots=True)
class CoverageResult:
    files: dict[str, FileCoverage]
    branch_measured: bool


def _installed(path: Path) -> bool:
    """Installed code (site-packages, the interpreter's own library) never maps onto the repo."""
    if not INSTALLED_DIRS.isdisjoint(path.parts):
        return True
    return any(path.is_relative_to(prefix) for prefix in {sys.prefix, sys.base_prefix})


def locate(name: str, root: Path, bases: tuple[Path, ...] = ()) -> str | None:
    """``name`` as a POSIX path relative to ``root``, or None when it is not a file of the repo."""
    candidates = [Path(name)] if os.path.isabs(name) else [*(b / name for b in bases), root / name]
    elsewhere = []
    for candidate in candidates:
        full = Path(os.path.normpath(candidate))
        if not full.is_relative_to(root):
            elsewhere.append(full)
        elif full.is_file():
            rel = full.relative_to(root)
            return None if not INSTALLED_DIRS.isdisjoint(rel.parts) else rel.as_posix()
    for full in elsewhere:
        if _installed(full):
            continue
        parts = full.parts
        for start in range(1, len(parts)):
            suffix = root.joinpath(*parts[start:])
            if suffix.is_file():
                return suffix.relative_to(root).as_posix()
    return None


def installed_copy(name: str, root: Path) -> str | None:
    """The repository file that ``name`` is an installed copy of (``.../site-packages/pkg/m.py``
    for ``pkg/m.py`` or ``src/pkg/m.py``), or None."""
    parts = Path(os.path.normpath(name)).parts
    marks = [i for i, part in enumerate(parts) if part in INSTALLED_DIRS]
    if not marks:
        return None
    tail = parts[marks[-1] + 1 :]
    for base in (root, root / "src"):
        candidate = base.joinpath(*tail)
        if candidate.is_file():
            return candidate.relative_to(root).as_posix()
    return None


def alias_for(recorded: str, rel: str) -> list[str]:
    """The ``[paths]`` group that maps ``recorded`` (an installed copy) back onto ``rel``."""
    parts = Path(os.path.normpath(recorded)).parts
    mark = max(i for i, part in enumerate(parts) if part in INSTALLED_DIRS)
    tail = "/".join(parts[mark + 1 :])
    return [rel[: len(rel) - len(tail)] or "./", f"*/{parts[mark]}/"]


class PathMap:
    """Recorded paths onto repository files: ``[paths]`` aliases first, then :func:`locate`.

    ``aliases`` are the configuration's ``[paths]`` groups, the canonical path first. Relative
    patterns and results are taken relative to ``root`` (where ``coverage combine`` would run).
    """

    def __init__(self, root: Path, aliases: Sequence[Sequence[str]] = (), origin: str = "") -> None:
        from coverage.exceptions import ConfigError as CoverageConfigError
        from coverage.files import PathAliases

        self.root = root
        self._aliases = PathAliases(relative=False)
        self._installed: dict[str, str] = {}
        self._hits: set[str] = set()
        try:
            for result, *patterns in aliases:
                for pattern in patterns:
                    self._aliases.add(self._absolute(pattern), self._absolute(result))
        except CoverageConfigError as exc:
            raise InputError(
                f"invalid [paths] in the coverage configuration: {exc}",
                path=origin or "coverage configuration",
            ) from None

    def _absolute(self, pattern: str) -> str:
        if pattern.startswith("*") or os.path.isabs(pattern):
            return pattern
        return str(self.root / pattern)

    def __call__(self, name: str, bases: tuple[Path, ...] = ()) -> str | None:
        rel = locate(self._aliases.map(name, exists=os.path.isfile), self.root, bases)
        if rel is not None:
            self._hits.add(rel)
        elif (copy := installed_copy(name, self.root)) is not None:
            self._installed[name] = copy
        return rel

    def unmapped(self) -> dict[str, str]:
        """Installed copies in the data whose repository file got no data of its own."""
        return {k: v for k, v in sorted(self._installed.items()) if v not in self._hits}


def _bad(path: Path, problem: str) -> InputError:
    return InputError(f"unreadable coverage data: {problem}", path=path)


def _ints(value: Any, path: Path, key: str) -> list[int]:
    if not isinstance(value, list) or not all(
        isinstance(v, int) and not isinstance(v, bool) for v in value
    ):
        raise _bad(path, f"{key} is not a list of line numbers")
    return value


def _arcs(value: Any, path: Path, key: str) -> list[tuple[int, int]]:
    if not isinstance(value, list):
        raise _bad(path, f"{key} is not a list of [from, to] pairs")
    arcs = []
    for arc in value:
        pair = _ints(arc, path, key)
        if len(pair) != 2:
            raise _bad(path, f"{key} is not a list of [from, to] pairs")
        arcs.append((pair[0], pair[1]))
    return arcs


def _mapping(value: Any, path: Path, key: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _bad(path, f"{key} is not an object")
    return value


def parse_json(text: str, path: Path, paths: PathMap) -> CoverageResult:
    """A coverage.py JSON report (``coverage json``)."""
    try:
        doc = json.loads(text)
    except ValueError as exc:
        raise _bad(path, f"not JSON ({exc})") from None
    except RecursionError:
        raise _bad(path, "JSON nested too deeply") from None
    doc = _mapping(doc, path, "the document")
    meta = _mapping(doc.get("meta", {}), path, "meta")
    branch = meta.get("branch_coverage") is True
    # Per repository file: executed lines, statements, branches taken, branches missed. Two
    # recorded paths that map onto one file (an uncombined report) merge as `coverage combine`.
    found: dict[str, tuple[set[int], set[int], set[tuple[int, int]], set[tuple[int, int]]]] = {}
    for name, entry in _mapping(doc.get("files"), path, "files").items():
        entry = _mapping(entry, path, f"files[{name!r}]")
        executed = _ints(entry.get("executed_lines"), path, f"{name}: executed_lines")
        missing = _ints(entry.get("missing_lines"), path, f"{name}: missing_lines")
        missed_arcs = _arcs(entry.get("missing_branches", []), path, f"{name}: missing_branches")
        taken = _arcs(entry.get("executed_branches", []), path, f"{name}: executed_branches")
        rel = paths(name)
        if rel is None:
            continue
        acc = found.setdefault(rel, (set(), set(), set(), set()))
        acc[0].update(executed)
        acc[1].update(executed, missing)
        acc[2].update(taken)
        acc[3].update(missed_arcs)
    files = {
        rel: FileCoverage(
            rel,
            frozenset(statements),
            frozenset(statements - executed),
            len(taken | missed),
            len(taken),
            tuple(sorted(missed - taken)),
        )
        for rel, (executed, statements, taken, missed) in found.items()
    }
    return CoverageResult(files, branch)


def read_json(path: Path, paths: PathMap) -> CoverageResult:
    try:
        text = read_report(path).decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _bad(path, exc.__class__.__name__) from None
    return parse_json(text, path, paths)


def read_report(path: Path, limit: int = MAX_REPORT_BYTES) -> bytes:
    """A report file's bytes: a regular file of at most ``limit`` bytes (never a FIFO or device)."""
    from gatekeeper.fsutil import read_bounded

    try:
        return read_bounded(path, limit)
    except FileNotFoundError:
        raise InputError("coverage data file not found", path=path) from None
    except OSError as exc:
        raise _bad(path, exc.strerror or exc.__class__.__name__) from None


class _XmlFile:
    def __init__(self) -> None:
        self.statements: set[int] = set()
        self.missing: set[int] = set()
        #: Branch lines: (branches, branches covered).
        self.branch_lines: dict[int, tuple[int, int]] = {}
        self.missed_arcs: set[tuple[int, int]] = set()

    def _arcs_known(self, line: int) -> bool:
        """Whether ``missing-branches`` names every branch of ``line`` not taken."""
        total, covered = self.branch_lines[line]
        return sum(1 for arc in self.missed_arcs if arc[0] == line) == total - covered

    def merge(self, other: _XmlFile) -> _XmlFile:
        """Both copies of one file (``<class>`` entries, or paths that map onto one file).

        A line is executed if either copy executed it, and an arc is missed only if both missed
        it. A line's branches taken: from the arcs missed by both where both copies name every
        arc they missed (coverage.py's ``missing-branches``); else the larger count, which never
        overstates coverage.
        """
        out = _XmlFile()
        out.statements = self.statements | other.statements
        executed = (self.statements - self.missing) | (other.statements - other.missing)
        out.missing = out.statements - executed
        both = self.branch_lines.keys() & other.branch_lines.keys()
        out.missed_arcs = (self.missed_arcs & other.missed_arcs) | {
            arc for arc in self.missed_arcs ^ other.missed_arcs if arc[0] not in both
        }
        for line in self.branch_lines.keys() | other.branch_lines.keys():
            counts = [c for c in (self.branch_lines.get(line), other.branch_lines.get(line)) if c]
            total, covered = max(c[0] for c in counts), max(c[1] for c in counts)
            if line in both and self._arcs_known(line) and other._arcs_known(line):
                covered = total - sum(1 for arc in out.missed_arcs if arc[0] == line)
            out.branch_lines[line] = (total, covered)
        return out


class _Cobertura:
    """Streams a Cobertura document with expat; DTDs and entities are refused (hostile input)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.sources: list[str] = []
        self.classes: list[tuple[str, _XmlFile]] = []
        self.current: _XmlFile | None = None
        self.branch_measured = False
        self._text: list[str] | None = None
        self._seen_root = False

    def refuse(self, *_: object) -> None:
        raise _bad(self.path, "XML with a DTD or entities is refused")

    def start(self, tag: str, attrs: dict[str, str]) -> None:
        if not self._seen_root:
            self._seen_root = True
            if tag != "coverage":
                raise _bad(self.path, f"root element is <{tag}>, not <coverage>")
            valid, rate = attrs.get("branches-valid", "0"), attrs.get("branch-rate", "0")
            self.branch_measured = valid not in ("", "0") or rate not in ("", "0")
        elif tag == "source":
            self._text = []
        elif tag == "class":
            filename = attrs.get("filename")
            if not filename:
                raise _bad(self.path, "<class> without a filename")
            self.current = _XmlFile()
            self.classes.append((filename, self.current))
        elif tag == "line" and self.current is not None:
            self._line(self.current, attrs)

    def _number(self, text: str, what: str) -> int:
        try:
            return int(text)
        except ValueError:
            raise _bad(self.path, f"{what} {text!r} is not a number") from None

    def _line(self, into: _XmlFile, attrs: dict[str, str]) -> None:
        number = self._number(attrs.get("number", ""), "line number")
        into.statements.add(number)
        if attrs.get("hits", "0") == "0":
            into.missing.add(number)
        if attrs.get("branch") != "true":
            return
        condition = attrs.get("condition-coverage", "")
        covered, _, total = condition.rpartition("(")[2].rstrip(")").partition("/")
        into.branch_lines[number] = (
            self._number(total, "condition-coverage"),
            self._number(covered, "condition-coverage"),
        )
        for target in filter(None, attrs.get("missing-branches", "").split(",")):
            into.missed_arcs.add((number, self._number(target.strip(), "missing-branches")))

    def end(self, tag: str) -> None:
        if tag == "source" and self._text is not None:
            self.sources.append("".join(self._text).strip())
            self._text = None
        elif tag == "class":
            self.current = None

    def text(self, data: str) -> None:
        if self._text is not None:
            self._text.append(data)


def parse_xml(data: bytes, path: Path, paths: PathMap) -> CoverageResult:
    """A Cobertura report (``coverage xml``)."""
    handler = _Cobertura(path)
    parser = expat.ParserCreate()
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.StartDoctypeDeclHandler = handler.refuse
    parser.EntityDeclHandler = handler.refuse
    parser.StartElementHandler = handler.start
    parser.EndElementHandler = handler.end
    parser.CharacterDataHandler = handler.text
    try:
        parser.Parse(data, True)
    except expat.ExpatError as exc:
        raise InputError(
            f"unreadable coverage data: malformed XML ({expat.ErrorString(exc.code)})",
            path=path,
            line=exc.lineno,
        ) from None
    bases = tuple(Path(s) for s in handler.sources if s)
    found: dict[str, _XmlFile] = {}
    for name, entry in handler.classes:
        rel = paths(name, bases)
        if rel is None:
            continue
        found[rel] = found[rel].merge(entry) if rel in found else entry
    files = {
        rel: FileCoverage(
            rel,
            frozenset(entry.statements),
            frozenset(entry.missing),
            sum(total for total, _ in entry.branch_lines.values()),
            sum(covered for _, covered in entry.branch_lines.values()),
            tuple(sorted(entry.missed_arcs)),
        )
        for rel, entry in found.items()
    }
    return CoverageResult(files, handler.branch_measured)


def read_xml(path: Path, paths: PathMap) -> CoverageResult:
    return parse_xml(read_report(path), path, paths)
