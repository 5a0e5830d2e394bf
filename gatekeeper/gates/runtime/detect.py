"""Where a repository says which Python it targets, each version with its file and line.

Sources, all at the repository root: ``pyproject.toml`` (``requires-python``: the lowest line it
admits; trove classifiers), ``.python-version``, ``runtime.txt``, ``Dockerfile`` (``FROM
python:X.Y…``), ``.github/workflows/*.yml`` (every ``python-version:`` value), ``tox.ini``
(``envlist``) and ``noxfile.py`` (``python=`` arguments).

Files are read bounded and only when they are regular files inside the repository; an
unreadable or malformed file raises :class:`~gatekeeper.errors.InputError` naming it (and the
line when known). A value that names no CPython line (``system``, ``pypy3.10``, ``3.x``,
``latest``) is not an error: it is counted in :attr:`Detection.skipped`.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gatekeeper.errors import InputError
from gatekeeper.runtime_table import Line

if TYPE_CHECKING:
    import yaml

#: Larger source files are refused: these files are a few kilobytes.
MAX_BYTES = 1 << 20
#: Where GitHub Actions workflows live.
WORKFLOWS = ".github/workflows/"
#: The highest minor version ``requires-python`` is probed for.
_MAX_MINOR = 40


class Role(Enum):
    """What a source says about a version."""

    #: The version the service runs (deployment): a pre-release here is naughty.
    PIN = "pin"
    #: The lowest version the package admits (``requires-python``).
    FLOOR = "floor"
    #: One of the versions it claims or tests (classifiers, CI, tox, nox).
    LISTED = "listed"


@dataclass(frozen=True, slots=True)
class Found:
    """One version one source names."""

    source: str  # "requires-python", "Dockerfile", ...
    path: str  # relative to the root, POSIX
    line: int
    version: Line
    role: Role
    #: The text as written ("3.11-slim", ">=3.11").
    text: str
    #: Written as a pre-release (``3.15.0rc1``, ``3.15-dev``).
    prerelease: bool = False

    @property
    def where(self) -> str:
        return f"{self.path}:{self.line}"

    def describe(self) -> str:
        return f"{self.source} {self.text!r} ({self.where})"


@dataclass(slots=True)
class Detection:
    found: list[Found] = field(default_factory=list)
    #: Values that name no CPython line, by file.
    skipped: dict[str, int] = field(default_factory=dict)

    def skip(self, path: str) -> None:
        self.skipped[path] = self.skipped.get(path, 0) + 1


#: ``3.11``, ``3.11.4``, ``3.15.0rc1``, ``3.15-dev``, ``3.15.0-alpha.1`` (setup-python's forms).
_VERSION = re.compile(
    r"(?P<major>[23])\.(?P<minor>\d{1,2})(?:\.\d{1,3})?"
    r"(?P<pre>(?:a|b|rc|-?alpha|-?beta|-?dev|-rc)[.\d]*)?",
    re.IGNORECASE,
)


def parse_version(text: str) -> tuple[Line, bool] | None:
    """``(line, prerelease)`` of a version written in full, or None."""
    match = _VERSION.fullmatch(text.strip())
    if match is None:
        return None
    line = (int(match["major"]), int(match["minor"]))
    return line, match["pre"] is not None


def detect(root: Path) -> Detection:
    """Every version the sources at ``root`` name."""
    texts: dict[str, str] = {}
    for name, _ in _FILE_READERS:
        text = _read(root, root / name)
        if text is not None:
            texts[name] = text
    workflows = root / ".github" / "workflows"
    if workflows.is_dir() and _inside(root, workflows):
        for path in sorted([*workflows.glob("*.yml"), *workflows.glob("*.yaml")]):
            text = _read(root, path)
            if text is not None:
                texts[path.relative_to(root).as_posix()] = text
    return detect_texts(texts)


def detect_texts(texts: Mapping[str, str]) -> Detection:
    """Every version the files in ``texts`` (root-relative POSIX path → text) name: those
    :func:`detect` reads, wherever they came from (the GitHub contents API for ``inventory``)."""
    result = Detection()
    for name, reader in _FILE_READERS:
        if name in texts:
            reader(name, texts[name], result)
    for path in sorted(texts):
        if path.startswith(WORKFLOWS) and path.endswith((".yml", ".yaml")):
            _workflow(path, texts[path], result)
    return result


def _inside(root: Path, path: Path) -> bool:
    """Whether ``path`` (symlinks resolved) is inside ``root``; a symlink loop is not."""
    try:
        return path.resolve().is_relative_to(root.resolve())
    except (OSError, RuntimeError):  # RuntimeError: a loop, before Python 3.13
        return False


def _read(root: Path, path: Path) -> str | None:
    """The text of ``path``, or None when it does not exist or leads outside ``root``."""
    from gatekeeper.fsutil import read_bounded
    from gatekeeper.tomlfile import read_error

    if not path.is_symlink() and not path.exists():
        return None
    where = path.relative_to(root).as_posix()
    if not _inside(root, path):
        return None
    try:
        return read_bounded(path, MAX_BYTES).decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read: {read_error(exc)}", path=where) from None


def _line_of(text: str, needle: re.Pattern[str], start: int) -> int:
    """The first line from ``start`` on matching ``needle`` (``start`` when none does)."""
    lines = text.splitlines()
    found = (n for n in range(start, len(lines) + 1) if needle.search(lines[n - 1]))
    return next(found, start)


# pyproject.toml


def _pyproject(path: str, text: str, result: Detection) -> None:
    from gatekeeper.tomlfile import loads, locate

    data = loads(text, path, InputError)
    project = data.get("project", {})
    if not isinstance(project, dict):
        raise InputError("[project] must be a table", path=path)
    if "requires-python" in project:
        _requires_python(path, text, project["requires-python"], result)
    classifiers = project.get("classifiers", [])
    if not isinstance(classifiers, list):
        line = locate(text, ("project", "classifiers"))
        raise InputError("project.classifiers must be an array", path=path, line=line)
    prefix = "Programming Language :: Python :: "
    start = locate(text, ("project", "classifiers")) or 1
    for classifier in classifiers:
        if not isinstance(classifier, str) or not classifier.startswith(prefix):
            continue
        tail = classifier.removeprefix(prefix)
        parsed = parse_version(tail)
        if parsed is None:
            continue  # "3", "3 :: Only", "Implementation :: CPython": no line
        line = _line_of(text, re.compile(f"[\"']{re.escape(classifier)}[\"']"), start)
        result.found.append(Found("classifier", path, line, parsed[0], Role.LISTED, tail))


def _requires_python(path: str, text: str, value: Any, result: Detection) -> None:
    from packaging.specifiers import InvalidSpecifier, SpecifierSet

    from gatekeeper.tomlfile import locate

    line = locate(text, ("project", "requires-python")) or 1
    if not isinstance(value, str):
        raise InputError("project.requires-python must be a string", path=path, line=line)
    try:
        spec = SpecifierSet(value)
    except InvalidSpecifier:
        raise InputError(
            f"project.requires-python: invalid specifier {value!r}", path=path, line=line
        ) from None
    candidates = (f"3.{minor}.{patch}" for minor in range(_MAX_MINOR) for patch in range(40))
    lowest = next(iter(spec.filter(candidates)), None)
    if lowest is None:
        message = f"project.requires-python {value!r} admits no Python 3 release"
        raise InputError(message, path=path, line=line)
    major, minor, _ = (int(part) for part in lowest.split("."))
    result.found.append(Found("requires-python", path, line, (major, minor), Role.FLOOR, value))


# One-line pins


def _python_version(path: str, text: str, result: Detection) -> None:
    for number, raw in enumerate(text.splitlines(), 1):
        value = raw.split("#", 1)[0].strip()
        if value:
            _pin(".python-version", path, number, value, value, result)


def _runtime_txt(path: str, text: str, result: Detection) -> None:
    for number, raw in enumerate(text.splitlines(), 1):
        value = raw.strip()
        if value:
            _pin("runtime.txt", path, number, value.removeprefix("python-"), value, result)
            return


#: ``FROM [--platform=…] [registry/][library/]python:TAG [AS name]``.
_FROM = re.compile(
    r"^\s*FROM\s+(?:--\S+\s+)*(?:[\w.:-]+/)*python:(?P<tag>\S+)", re.IGNORECASE | re.MULTILINE
)
#: The version at the start of an image tag: ``3.11`` in ``3.11.4-slim-bookworm``.
_TAG = re.compile(r"\d+\.\d+(?:\.\d+)?(?:(?:a|b|rc)\d+)?(?=$|-)")


def _dockerfile(path: str, text: str, result: Detection) -> None:
    for match in _FROM.finditer(text):
        tag = match["tag"].split("@", 1)[0]
        number = text.count("\n", 0, match.start("tag")) + 1
        version = _TAG.match(tag)
        _pin("Dockerfile", path, number, version.group() if version else tag, tag, result)


def _pin(source: str, path: str, line: int, value: str, text: str, result: Detection) -> None:
    parsed = parse_version(value)
    if parsed is None:
        result.skip(path)
        return
    result.found.append(Found(source, path, line, parsed[0], Role.PIN, text, parsed[1]))


def _listed(source: str, path: str, line: int, value: str, result: Detection) -> None:
    parsed = parse_version(value)
    if parsed is None:
        result.skip(path)
        return
    result.found.append(Found(source, path, line, parsed[0], Role.LISTED, value, parsed[1]))


# tox.ini and noxfile.py

_ENVLIST = re.compile(r"^\s*env_?list\s*=(?P<value>.*)$")
_TOX_ENV = re.compile(r"(?<![\w.])py(?P<major>[23])(?P<minor>\d{1,2})(?![\d])")
_BRACES = re.compile(r"\{([^{}]*)\}")


def _tox(path: str, text: str, result: Detection) -> None:
    lines = text.splitlines()
    section = None
    for index, raw in enumerate(lines):
        stripped = raw.strip()
        if stripped.startswith("["):
            section = stripped
            continue
        match = _ENVLIST.match(raw) if section == "[tox]" else None
        if match is None:
            continue
        values = [(index + 1, match["value"])]
        values += [
            (index + 2 + offset, line)
            for offset, line in enumerate(_continuation(lines[index + 1 :]))
        ]
        for number, value in values:
            for env in _expand(value):
                for version in _TOX_ENV.finditer(env):
                    tox_version = f"{version['major']}.{version['minor']}"
                    _listed("tox envlist", path, number, tox_version, result)
        return


def _continuation(lines: list[str]) -> list[str]:
    """The indented lines that continue an ini value."""
    taken = []
    for line in lines:
        if not line.strip() or not line[0].isspace():
            break
        taken.append(line)
    return taken


def _expand(value: str) -> list[str]:
    """tox's generative names: ``py3{11,12}-django`` is ``py311-django, py312-django``."""
    match = _BRACES.search(value)
    if match is None:
        return [value]
    head, tail = value[: match.start()], value[match.end() :]
    return [e for option in match[1].split(",") for e in _expand(head + option.strip() + tail)]


def _noxfile(path: str, text: str, result: Detection) -> None:
    try:
        tree = ast.parse(text, filename=path)
    except SyntaxError as exc:
        raise InputError(f"invalid Python: {exc.msg}", path=path, line=exc.lineno) from None
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        for keyword in node.keywords:
            if keyword.arg != "python":
                continue
            value = keyword.value
            items = value.elts if isinstance(value, ast.List | ast.Tuple) else [value]
            for item in items:
                if isinstance(item, ast.Constant) and isinstance(item.value, str):
                    _listed("noxfile", path, item.lineno, item.value, result)
                else:
                    result.skip(path)


# GitHub Actions workflows


def _workflow(path: str, text: str, result: Detection) -> None:
    import yaml

    from gatekeeper.yamlsafe import compose

    try:
        root = compose(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        problem = getattr(exc, "problem", None) or "malformed"
        raise InputError(f"malformed YAML: {problem}", path=path, line=line) from None
    stack: list[yaml.Node] = [] if root is None else [root]
    start = len(result.found)
    while stack:
        node = stack.pop()
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                if isinstance(key, yaml.ScalarNode) and key.value == "python-version":
                    _workflow_values(path, value, result)
                else:
                    stack.append(value)
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)
    result.found[start:] = sorted(result.found[start:], key=lambda f: f.line)


def _workflow_values(path: str, node: yaml.Node, result: Detection) -> None:
    import yaml

    items = node.value if isinstance(node, yaml.SequenceNode) else [node]
    for item in items:
        if not isinstance(item, yaml.ScalarNode):
            result.skip(path)
            continue
        value = str(item.value)
        if value.startswith("${{"):
            continue  # a reference to the matrix, whose values are read where they are
        _listed("workflow", path, item.start_mark.line + 1, value, result)


_FILE_READERS = (
    ("pyproject.toml", _pyproject),
    (".python-version", _python_version),
    ("runtime.txt", _runtime_txt),
    ("Dockerfile", _dockerfile),
    ("tox.ini", _tox),
    ("noxfile.py", _noxfile),
)
#: The files at the root that :func:`detect` reads (and the workflows under .github/workflows).
READ_FILES = tuple(name for name, _ in _FILE_READERS)
