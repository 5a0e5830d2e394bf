"""pip requirements files: pins, ``--hash``, extras, markers, ``-r``/``-c`` includes, ``\\``.

Parsed with :mod:`packaging` (no pip import): a logical line is joined from its continuation
lines, comments are stripped the way pip strips them, options are validated, and the requirement
itself goes through :class:`packaging.requirements.Requirement`. The common case of a lockfile,
a bare ``name==version`` pin, takes a fast path: a regular expression splits name and version,
and :class:`packaging.version.Version` checks the version, which gives the same result without
importing packaging's requirement grammar (a test checks both paths agree); anything else takes
the full grammar. Every dependency keeps the file and the line its logical line starts on; a
malformed line is a :class:`LockfileError` naming both.

Constraints files (``-c``) do not add dependencies: they pin the ones the requirements name.
Local paths (``.``, ``./pkg``, ``-e .``) are the project's own code and are not dependencies:
they are reported as skipped. URL and VCS requirements are kept, unpinned, because nobody can
tell what they install. An include must stay inside the repository; a line quoted in an error
is cut short and its URL credentials masked.
"""

from __future__ import annotations

import posixpath
import re
import shlex
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from packaging.version import Version

from gatekeeper.deps.discover import inside_repository, outside_error
from gatekeeper.deps.interface import DEV, PROD, Dependency, ParseContext, Reader, Scope, Skipped
from gatekeeper.errors import LockfileError
from gatekeeper.excerpt import excerpt
from gatekeeper.model import Location

if TYPE_CHECKING:
    from packaging.specifiers import SpecifierSet

SOURCE = "requirements"

#: pip's ``(^|\s+)#.*$``, written so that a long run of whitespace is scanned once (the
#: original retries ``\s+`` from every blank, quadratic on a 100 KB line); the whitespace it
#: leaves before the ``#`` is trailing, and stripped with the rest.
_COMMENT = re.compile(r"(?:^|(?<=\s))#.*$", re.DOTALL)
_PER_REQ_OPTION = re.compile(r"\s--?(hash|config-settings|global-option|install-option)\b")
_DEV_FILE = re.compile(
    r"(^|/)((requirements|reqs|constraints)[-_.]?(dev|test|tests|testing|lint|docs|ci)\b[^/]*"
    r"|(dev|test|tests)[-_.]requirements[^/]*"
    r"|requirements/(dev|test|tests|lint|docs|ci)\b[^/]*)$",
    re.IGNORECASE,
)
#: Options that take a value and only steer pip; they add no dependency.
_GLOBAL_WITH_VALUE = frozenset(
    {
        "-i",
        "--index-url",
        "--extra-index-url",
        "-f",
        "--find-links",
        "--trusted-host",
        "--only-binary",
        "--no-binary",
        "--use-feature",
        "--config-settings",
    }
)
_GLOBAL_FLAGS = frozenset({"--no-index", "--pre", "--prefer-binary", "--require-hashes"})
_INCLUDE = {"-r": "r", "--requirement": "r", "-c": "c", "--constraint": "c"}
_EDITABLE = frozenset({"-e", "--editable"})
#: ``name==version`` and nothing else (no extras, markers, URL or wildcard); the version must
#: also parse as PEP 440, the grammar packaging's ``==`` specifier accepts.
_SIMPLE_PIN = re.compile(
    r"(?P<name>[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)\s*==\s*(?P<version>[A-Za-z0-9.!+_-]+)"
)
_EGG_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")


def scope_for_path(path: str) -> Scope:
    """``requirements-dev*.txt``, ``requirements-test*.txt``, ``dev-requirements.txt``,
    ``requirements/dev.txt`` and the like are dev; every other requirements file is prod."""
    return DEV if _DEV_FILE.search(path.replace("\\", "/")) else PROD


def pinned_version(specifier: SpecifierSet) -> str | None:
    """The version a specifier pins exactly (``==1.2``, ``===1.2``), else None."""
    specs = list(specifier)
    if len(specs) == 1 and specs[0].operator in ("==", "===") and "*" not in specs[0].version:
        return specs[0].version
    return None


@dataclass(frozen=True, slots=True)
class LogicalLine:
    path: str
    line: int
    text: str


@dataclass
class _State:
    reader: Reader
    context: ParseContext
    deps: list[Dependency] = field(default_factory=list)
    constraints: dict[str, Dependency] = field(default_factory=dict)
    seen: set[tuple[str, str]] = field(default_factory=set)


def logical_lines(text: str, path: str) -> list[LogicalLine]:
    """Join continuation lines and strip comments; blank lines are dropped."""
    out: list[LogicalLine] = []
    buffer: list[str] = []
    start = 0
    for number, raw in enumerate(text.splitlines(), start=1):
        if not buffer:
            start = number
        if raw.endswith("\\"):
            buffer.append(raw[:-1])
            continue
        buffer.append(raw)
        joined = _COMMENT.sub("", "".join(buffer)).strip()
        buffer = []
        if joined:
            out.append(LogicalLine(path, start, joined))
    if buffer:  # a trailing backslash at the end of the file continues into nothing
        joined = _COMMENT.sub("", "".join(buffer)).strip()
        if joined:
            out.append(LogicalLine(path, start, joined))
    return out


def _error(line: LogicalLine, message: str) -> LockfileError:
    return LockfileError(message, path=line.path, line=line.line)


def _split_option(tokens: list[str]) -> tuple[str, str | None, int]:
    """``--opt=value``, ``--opt value``, ``-rvalue``, ``-r value`` → (option, value, used)."""
    head = tokens[0]
    if head.startswith("--") and "=" in head:
        name, _, value = head.partition("=")
        return name, value, 1
    if not head.startswith("--") and len(head) > 2:
        return head[:2], head[2:], 1
    if len(tokens) > 1:
        return head, tokens[1], 2
    return head, None, 1


def _tokens(line: LogicalLine) -> list[str]:
    try:
        return shlex.split(line.text)
    except ValueError as exc:
        raise _error(line, f"malformed requirements line: {exc}") from None


def _is_local_path(text: str) -> bool:
    return text.startswith((".", "/", "file:")) or text in (".", "..")


def _url_name(url: str) -> str:
    fragment = url.partition("#")[2]
    for part in fragment.split("&"):
        egg = _EGG_NAME.match(part[4:]) if part.startswith("egg=") else None
        if egg:
            return egg.group(0)
    base = url.split("#", 1)[0].split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1]
    name = re.split(r"-\d", base, maxsplit=1)[0]
    return name or url


def _url_dependency(url: str, line: LogicalLine, scope: Scope) -> Dependency:
    name = _url_name(url)
    return Dependency(
        name=Dependency.normalize(name),
        version=None,
        specifier="",
        pinned=False,
        scope=scope,
        location=Location(line.path, line.line),
        source=SOURCE,
        raw_name=name,
        url=url,
    )


def _parse_hashes(options: str, line: LogicalLine) -> tuple[str, ...]:
    tokens = shlex.split(options)
    hashes: list[str] = []
    index = 0
    while index < len(tokens):
        name, value, used = _split_option(tokens[index:])
        if name not in ("--hash", "--config-settings", "--global-option", "--install-option"):
            raise _error(line, f"unknown per-requirement option {excerpt(name)}")
        if value is None:
            raise _error(line, f"option {name} needs a value")
        if name == "--hash":
            if ":" not in value:
                raise _error(line, f"--hash {excerpt(value)}: expected ALGORITHM:DIGEST")
            hashes.append(value)
        index += used
    return tuple(hashes)


def _is_pep440(version: str) -> bool:
    try:
        Version(version)
    except ValueError:  # InvalidVersion, or a number beyond the interpreter's digit limit
        return False
    return True


def _local(text: str, line: LogicalLine, how: str = "a local path") -> Skipped:
    return Skipped(
        name=text,
        reason=f"{how}: the project's own code, not a published dependency",
        location=Location(line.path, line.line),
    )


def _requirement(line: LogicalLine, scope: Scope) -> Dependency | Skipped:
    text, options = line.text, ""
    match = _PER_REQ_OPTION.search(text)
    if match:
        text, options = text[: match.start()].strip(), text[match.start() :].strip()
    try:
        hashes = _parse_hashes(options, line) if options else ()
    except ValueError as exc:
        raise _error(line, f"malformed requirements line: {exc}") from None
    if _is_local_path(text):
        return _local(text, line)
    if "://" in text and "@" not in text.split("://", 1)[0]:
        return _url_dependency(text, line, scope)
    simple = _SIMPLE_PIN.fullmatch(text)
    if simple is not None and _is_pep440(simple["version"]):
        name, version = simple["name"], simple["version"]
        return Dependency(
            name=Dependency.normalize(name),
            version=version,
            specifier=f"=={version}",
            pinned=True,
            scope=scope,
            location=Location(line.path, line.line),
            source=SOURCE,
            hashes=hashes,
            raw_name=name,
        )
    from packaging.requirements import InvalidRequirement, Requirement

    try:
        req = Requirement(text)
    except InvalidRequirement as exc:
        reason = str(exc).splitlines()[0]
        raise _error(line, f"malformed requirement {excerpt(text)}: {reason[:200]}") from None
    version = None if req.url else pinned_version(req.specifier)
    return Dependency(
        name=Dependency.normalize(req.name),
        version=version,
        specifier=str(req.specifier),
        pinned=version is not None,
        scope=scope,
        location=Location(line.path, line.line),
        source=SOURCE,
        hashes=hashes,
        raw_name=req.name,
        extras=tuple(sorted(req.extras)),
        marker=str(req.marker) if req.marker is not None else None,
        url=req.url,
    )


def _include(state: _State, line: LogicalLine, target: str, kind: str, scope: Scope) -> None:
    path = inside_repository(posixpath.join(posixpath.dirname(line.path), target))
    if path is None or target.startswith(("/", "\\")):
        raise outside_error(target, line.path, line.line)
    included_scope = DEV if scope == DEV else scope_for_path(path)
    text = state.reader(path)
    if text is None:
        raise _error(line, f"included file {excerpt(target)} not found")
    _parse_file(state, path, text, included_scope, constraint=kind == "c")


def _option(state: _State, line: LogicalLine, scope: Scope, constraint: bool) -> None:
    tokens = _tokens(line)
    name, value, _ = _split_option(tokens)
    if name in _INCLUDE:
        if value is None:
            raise _error(line, f"option {name} needs a file name")
        _include(state, line, value, _INCLUDE[name], scope)
    elif name in _EDITABLE:
        if value is None:
            raise _error(line, f"option {name} needs a path or URL")
        if _is_local_path(value):
            state.context.skipped.append(_local(value, line, "an editable local path"))
        elif not constraint:
            state.deps.append(_url_dependency(value, line, scope))
    elif name in _GLOBAL_WITH_VALUE:
        if value is None:
            raise _error(line, f"option {name} needs a value")
    elif name not in _GLOBAL_FLAGS:
        raise _error(line, f"unknown option {excerpt(name)}")


def _parse_file(state: _State, path: str, text: str, scope: Scope, constraint: bool) -> None:
    key = (path, "c" if constraint else "r")
    if key in state.seen:
        return
    state.seen.add(key)
    for line in logical_lines(text, path):
        if line.text.startswith("-"):
            _option(state, line, scope, constraint)
            continue
        dep = _requirement(line, scope)
        if isinstance(dep, Skipped):
            if not constraint:
                state.context.skipped.append(dep)
            continue
        if constraint:
            if dep.pinned:
                state.constraints.setdefault(dep.name, dep)
        else:
            state.deps.append(dep)


def parse_requirements(
    path: str,
    reader: Reader,
    scope: Scope | None = None,
    *,
    context: ParseContext | None = None,
) -> list[Dependency]:
    """Every dependency ``path`` (relative to the root) declares, includes followed."""
    text = reader(path)
    if text is None:
        raise LockfileError("requirements file not found", path=path)
    state = _State(reader, context if context is not None else ParseContext())
    _parse_file(state, path, text, scope or scope_for_path(path), constraint=False)
    deps = []
    for dep in state.deps:
        pin = state.constraints.get(dep.name)
        if not dep.pinned and dep.url is None and pin is not None and pin.version is not None:
            from packaging.specifiers import SpecifierSet  # only with constraints files

            if dep.specifier and pin.version not in SpecifierSet(dep.specifier, prereleases=True):
                raise LockfileError(
                    f"constraint {pin.raw_name}=={pin.version} conflicts with "
                    f"{dep.raw_name}{dep.specifier} ({dep.location})",
                    path=pin.location.path,
                    line=pin.location.line,
                )
            dep = replace(dep, version=pin.version, pinned=True, location=pin.location)
        deps.append(dep)
    return deps
