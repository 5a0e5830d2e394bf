"""One row from one repository's files: its owners, Python and generation, deployment,
frameworks, internal packages and whether gatekeeper runs in its CI.

The parsers are gatekeeper's own (``gates.runtime.detect`` on the texts, ``deps`` through a
reader over them). A file that does not parse is a note on the row, not the end of the run:
one broken repository must not hide the other hundred.
"""

from __future__ import annotations

import datetime as dt
import fnmatch
import re
from collections.abc import Callable, Sequence

from gatekeeper.deps.interface import Dependency
from gatekeeper.errors import InputError
from gatekeeper.inventory.fetch import CODEOWNERS, MANIFEST_DIRS, RepoFiles
from gatekeeper.inventory.model import Package, Row

#: Web frameworks and servers reported, with their versions.
WEB_PACKAGES = frozenset(
    {
        "aiohttp",
        "bottle",
        "daphne",
        "django",
        "falcon",
        "fastapi",
        "flask",
        "granian",
        "gunicorn",
        "hypercorn",
        "litestar",
        "pyramid",
        "quart",
        "sanic",
        "starlette",
        "tornado",
        "uvicorn",
        "waitress",
    }
)
#: gatekeeper in a workflow: its action, or the command.
GATEKEEPER_ACTION = "corp/gatekeeper"
_GATEKEEPER_CI = re.compile(
    rf"uses:\s*['\"]?{re.escape(GATEKEEPER_ACTION)}[/@'\"\s]|\bgatekeeper\s+check\b"
)
_MANIFEST = re.compile(r"^apiVersion:\s*\S+", re.MULTILINE)
_KIND = re.compile(r"^kind:\s*\S+", re.MULTILINE)


def row(files: RepoFiles, prefixes: Sequence[str], today: dt.date) -> Row:
    if files.empty:
        return Row(files.name, empty=True, notes=("empty repository",))
    notes = list(files.notes)
    python, source, generation = _python(files, today, notes)
    deps = _dependencies(files, notes)
    return Row(
        service=files.name,
        team=_team(files),
        python=python,
        python_source=source,
        generation=generation,
        deployment=_deployment(files),
        frameworks=tuple(_packages(deps, lambda name: name in WEB_PACKAGES)),
        internal=tuple(_packages(deps, lambda name: internal(name, prefixes))),
        gatekeeper_ci=any(
            _GATEKEEPER_CI.search(text)
            for path, text in files.texts.items()
            if path.startswith(".github/workflows/")
        ),
        notes=tuple(notes),
        pins=tuple(sorted({(d.name, d.version) for d in deps if d.pinned and d.version})),
    )


def internal(name: str, prefixes: Sequence[str]) -> bool:
    """Whether a (normalized) distribution name starts with one of the internal prefixes."""
    return any(name.startswith(Dependency.normalize(p)) for p in prefixes if p)


def owners_of_everything(text: str) -> str | None:
    """CODEOWNERS' owners of ``*`` (the last such rule wins, as on GitHub); None when no rule
    covers every file, or its owners list is empty."""
    found = None
    for raw in text.splitlines():
        parts = raw.split("#", 1)[0].split()
        if parts and parts[0] in ("*", "/*", "/**", "**"):
            found = " ".join(parts[1:]) or None
    return found


def _team(files: RepoFiles) -> str | None:
    path = next((p for p in CODEOWNERS if p in files.texts), None)
    return owners_of_everything(files.texts[path]) if path is not None else None


def _python(
    files: RepoFiles, today: dt.date, notes: list[str]
) -> tuple[str | None, str | None, str | None]:
    """The version the service runs: a deployment pin (``.python-version``, ``runtime.txt``,
    ``Dockerfile``), else the lowest ``requires-python`` admits, else the lowest tested."""
    from gatekeeper.gates.runtime.detect import Role, detect_texts
    from gatekeeper.runtime_table import Generation, line_name, status

    try:
        found = detect_texts(files.texts).found
    except InputError as exc:
        notes.append(str(exc))
        return None, None, None
    for role in (Role.PIN, Role.FLOOR, Role.LISTED):
        candidates = [f for f in found if f.role is role]
        if candidates:
            chosen = candidates[0] if role is Role.PIN else min(candidates, key=lambda f: f.version)
            generation = status(chosen.version, today).generation
            if chosen.prerelease and role is Role.PIN:
                generation = Generation.NAUGHTY
            return line_name(chosen.version), chosen.where, generation.value
    return None, None, None


def dependency_files(paths: set[str]) -> list[str]:
    """The dependency files among ``paths``, in :func:`~gatekeeper.deps.discover.discover_files`'
    order (locks first, then requirements, then pyproject.toml)."""
    root = {p for p in paths if "/" not in p}
    found: list[str] = []
    for pattern in ("pylock.toml", "pylock.*.toml", "uv.lock", "poetry.lock", "*requirements*.txt"):
        found += sorted(p for p in root if fnmatch.fnmatch(p, pattern))
    found += sorted(p for p in paths if p.startswith("requirements/") and p.endswith(".txt"))
    if "pyproject.toml" in root:
        found.append("pyproject.toml")
    return list(dict.fromkeys(found))


def _dependencies(files: RepoFiles, notes: list[str]) -> list[Dependency]:
    from gatekeeper.deps.discover import collect

    deps: list[Dependency] = []
    for path in dependency_files(set(files.texts)):
        try:
            # Each file alone: one that does not parse leaves the others' packages.
            deps += collect([path], files.texts.get)
        except InputError as exc:
            notes.append(str(exc))
    return deps


def _packages(deps: list[Dependency], keep: Callable[[str], bool]) -> list[Package]:
    """One package per name (a lock's pin wins over a declared range), sorted by name."""
    chosen: dict[str, Dependency] = {}
    for dep in deps:
        if not keep(dep.name):
            continue
        known = chosen.get(dep.name)
        if known is None or (dep.pinned and not known.pinned):
            chosen[dep.name] = dep
    return [Package(d.name, d.version, d.specifier) for _, d in sorted(chosen.items())]


def _deployment(files: RepoFiles) -> tuple[str, ...]:
    kinds = []
    if any(fnmatch.fnmatch(p, pat) for p in files.paths for pat in ("Dockerfile", "Dockerfile.*")):
        kinds.append("docker")
    if any(
        p.partition("/")[0] in MANIFEST_DIRS and _MANIFEST.search(t) and _KIND.search(t)
        for p, t in files.texts.items()
    ):
        kinds.append("kubernetes")
    if "Procfile" in files.paths:
        kinds.append("procfile")
    if files.paths & {"serverless.yml", "serverless.yaml"}:
        kinds.append("serverless")
    return tuple(kinds)
