"""``pyproject.toml``: ``[project]`` dependencies, optional dependencies (extras) and PEP 735
``[dependency-groups]``, plus Poetry's ``[tool.poetry]`` dependency tables.

``[project] dependencies`` are prod; extras and dependency groups are dev (the policy decides
whether dev findings fail). Each entry keeps the line its string appears on.
"""

from __future__ import annotations

import re
from typing import Any

from packaging.requirements import InvalidRequirement, Requirement

from gatekeeper.deps.interface import DEV, PROD, Dependency, ParseContext, Reader, Scope
from gatekeeper.deps.requirements import pinned_version
from gatekeeper.deps.toml_util import LineFinder, load_toml
from gatekeeper.errors import LockfileError
from gatekeeper.excerpt import excerpt
from gatekeeper.model import Location

SOURCE = "pyproject"


def _dependency(text: str, path: str, line: int, scope: Scope) -> Dependency:
    try:
        req = Requirement(text)
    except InvalidRequirement as exc:
        reason = str(exc).splitlines()[0]
        raise LockfileError(
            f"malformed requirement {excerpt(text)}: {reason[:200]}", path=path, line=line
        ) from None
    version = None if req.url else pinned_version(req.specifier)
    return Dependency(
        name=Dependency.normalize(req.name),
        version=version,
        specifier=str(req.specifier),
        pinned=version is not None,
        scope=scope,
        location=Location(path, line),
        source=SOURCE,
        raw_name=req.name,
        extras=tuple(sorted(req.extras)),
        marker=str(req.marker) if req.marker is not None else None,
        url=req.url,
    )


def _strings(value: Any, path: str, where: str, line: int) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str | dict) for v in value):
        raise LockfileError(f"{where} must be an array of strings", path=path, line=line)
    # PEP 735 allows {include-group = "..."} tables; they add no requirement of their own.
    return [v for v in value if isinstance(v, str)]


def _table(value: Any, path: str, where: str, line: int) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise LockfileError(f"{where} must be a table", path=path, line=line)
    return value


def _poetry_spec(name: str, spec: Any, path: str, line: int) -> str:
    """A Poetry constraint (``"^1.2"``, ``"1.2.3"``, ``{version = "..."}``) as PEP 508 text."""
    version = spec.get("version", "") if isinstance(spec, dict) else spec
    if isinstance(spec, list):  # multiple constraints (per marker): ranges, not a pin
        version = ""
    if not isinstance(version, str):
        raise LockfileError(
            f"[tool.poetry] {excerpt(name)}: the version must be a string", path=path, line=line
        )
    version = version.strip()
    if not version or version == "*":
        return name
    if version[0].isdigit():
        return f"{name}=={version}"
    if version[0] in "^~":
        return name  # caret/tilde ranges: a range, not a pin
    return f"{name}{version}"


def _poetry(data: dict[str, Any], path: str, finder: LineFinder) -> list[Dependency]:
    tool = _table(data.get("tool", {}), path, "[tool]", finder.header(r"^\s*tool\s*="))
    poetry = tool.get("poetry")
    if poetry is None:
        return []
    poetry = _table(poetry, path, "[tool.poetry]", finder.header(r"^\s*\[tool\.poetry\]"))
    deps: list[Dependency] = []
    tables: list[tuple[Any, Scope, str]] = [(poetry.get("dependencies", {}), PROD, "dependencies")]
    tables.append((poetry.get("dev-dependencies", {}), DEV, "dev-dependencies"))
    for group, body in _table(poetry.get("group", {}), path, "[tool.poetry.group]", 1).items():
        body = _table(body, path, f"[tool.poetry.group.{group}]", 1)
        scope = PROD if group == "main" else DEV
        tables.append((body.get("dependencies", {}), scope, f"group.{group}.dependencies"))
    for table, scope, where in tables:
        escaped = re.escape(f"[tool.poetry.{where}]")
        start = finder.header(rf"^\s*{escaped}")
        for name, spec in _table(table, path, f"[tool.poetry.{where}]", start).items():
            if name.lower() == "python":
                continue
            line = finder.find(name, start)
            deps.append(_dependency(_poetry_spec(name, spec, path, line), path, line, scope))
    return deps


def parse_pyproject(
    path: str, reader: Reader, *, context: ParseContext | None = None
) -> list[Dependency]:
    text = reader(path)
    if text is None:
        raise LockfileError("pyproject.toml not found", path=path)
    data = load_toml(text, path)
    finder = LineFinder(text)
    deps: list[Dependency] = []
    project = _table(data.get("project", {}), path, "[project]", 1)
    start = finder.header(r"^\s*\[project\]")
    groups: list[tuple[Any, Scope, str, int]] = [
        (project.get("dependencies", []), PROD, "project.dependencies", start)
    ]
    extras_line = finder.header(r"^\s*\[project\.optional-dependencies\]")
    extras = _table(
        project.get("optional-dependencies", {}), path, "optional-dependencies", extras_line
    )
    groups += [(v, DEV, f"optional-dependencies.{k}", extras_line) for k, v in extras.items()]
    groups_line = finder.header(r"^\s*\[dependency-groups\]")
    dep_groups = _table(data.get("dependency-groups", {}), path, "[dependency-groups]", groups_line)
    groups += [(v, DEV, f"dependency-groups.{k}", groups_line) for k, v in dep_groups.items()]
    for value, scope, where, line in groups:
        for item in _strings(value, path, where, line):
            found = finder.quoted(item, line)
            deps.append(_dependency(item, path, found, scope))
    deps += _poetry(data, path, finder)
    return deps
