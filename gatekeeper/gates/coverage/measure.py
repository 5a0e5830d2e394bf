"""Talking to coverage.py: the scanned repository's coverage configuration, running its tests
under ``coverage run``, and turning a ``.coverage`` data file into a JSON report.

Everything that depends on the working directory (coverage reads its configuration and resolves
relative patterns from there) runs in a subprocess with ``cwd`` set to the scanned repository, so
gates can run concurrently in threads. Subprocesses never inherit the ``COVERAGE_*`` variables of
whatever measures gatekeeper itself: the repository is measured with its own configuration only.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess  # nosec B404  # fixed argv lists (the policy command), never a shell
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from gatekeeper.errors import InputError

#: Where coverage.py looks for its configuration, in its order; True: coverage's own file.
CONFIG_FILES = (
    (".coveragerc", True),
    (".coveragerc.toml", True),
    ("setup.cfg", False),
    ("tox.ini", False),
    ("pyproject.toml", False),
)
_STRIPPED_ENV = (
    "COVERAGE_PROCESS_START",
    "COVERAGE_PROCESS_CONFIG",
    "COVERAGE_FILE",
    "COVERAGE_RCFILE",
)
_PYTHONS = re.compile(r"^python(\d+(\.\d+)?)?(\.exe)?$")


@dataclass(frozen=True, slots=True)
class RepoConfig:
    """The parts of the repository's coverage configuration the gate needs."""

    file: str | None
    exclude: tuple[str, ...]
    source: tuple[str, ...]
    omit: tuple[str, ...]
    include: tuple[str, ...]


def read_repo_config(root: Path) -> RepoConfig:
    from coverage.config import CoverageConfig
    from coverage.exceptions import ConfigError as CoverageConfigError

    config = CoverageConfig()
    used: str | None = None
    warnings: list[str] = []
    for name, ours in CONFIG_FILES:
        path = root / name
        if not path.is_file():
            continue
        try:
            found = config.from_file(str(path), warnings.append, our_file=ours)
        except CoverageConfigError as exc:
            raise InputError(f"invalid coverage configuration: {exc}", path=path) from None
        if found:
            used = name
            break
    return RepoConfig(
        file=used,
        exclude=tuple(config.exclude_list + config.exclude_also),
        source=tuple(config.source or ()),
        omit=tuple((config.run_omit or []) + (config.report_omit or [])),
        include=tuple(config.report_include or ()),
    )


def _matcher(patterns: Sequence[str], root: Path) -> Callable[[str], bool]:
    from coverage.files import GlobMatcher

    if not patterns:
        return lambda _: False
    absolute = [p if p.startswith("*") else str(root / p) for p in patterns]
    return GlobMatcher(absolute, "gatekeeper").match


_SKIPPED_DIRS = frozenset({"__pycache__", "site-packages", "dist-packages", "node_modules"})


def _walked(parent: str, name: str) -> bool:
    """Hidden directories, caches, installed packages and virtualenvs are not source."""
    if name.startswith(".") or name in _SKIPPED_DIRS:
        return False
    return not os.path.isfile(os.path.join(parent, name, "pyvenv.cfg"))


def _py_files(directory: Path) -> Iterator[Path]:
    for dirpath, dirnames, filenames in os.walk(directory):
        dirnames[:] = sorted(d for d in dirnames if _walked(dirpath, d))
        yield from (Path(dirpath) / f for f in sorted(filenames) if f.endswith(".py"))


def source_files(root: Path, sources: Sequence[str], config: RepoConfig, origin: str) -> list[Path]:
    """Every .py file under ``sources`` that coverage would report (omit/include applied)."""
    omitted = _matcher(config.omit, root)
    included = _matcher(config.include, root) if config.include else (lambda _: True)
    found: list[Path] = []
    for source in sources:
        candidates = [root / source, root / "src" / source, root / source.replace(".", "/")]
        directory = next((c for c in candidates if c.is_dir()), None)
        if directory is None:
            raise InputError(
                f"coverage source {source!r} is not a directory of the repository",
                path=origin,
                hint="fix the source list or create the directory",
            )
        found += [p for p in _py_files(directory) if not omitted(str(p)) and included(str(p))]
    return list(dict.fromkeys(found))


def clean_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k not in _STRIPPED_ENV}


def coverage_argv(command: Sequence[str], data_file: Path) -> list[str]:
    """``python -m coverage run --branch --data-file=...`` for the policy's test command.

    A bare ``python``/``python3``/``python3.X`` is the interpreter running gatekeeper; a path to
    an interpreter (``.venv/bin/python``) is used as given and needs coverage installed.
    """
    head, *rest = command
    python = head if os.sep in head else sys.executable
    if _PYTHONS.match(Path(head).name):
        if rest[:1] == ["-m"] and len(rest) > 1:
            target = rest
        elif rest and not rest[0].startswith("-"):
            target = rest
        else:
            raise InputError(
                f"coverage.command {list(command)!r}: give `python -m MODULE ...` or "
                "`python SCRIPT ...`",
                path="policy",
            )
    else:
        exe = shutil.which(head)
        if exe is None:
            raise InputError(f"coverage.command: {head!r} not found on PATH", path="policy")
        python, target = sys.executable, [exe, *rest]
    run = ["run", "--branch", f"--data-file={data_file}"]
    return [python, "-m", "coverage", *run, *target]


@dataclass(frozen=True, slots=True)
class SuiteRun:
    returncode: int
    output_tail: tuple[str, ...]


def run_tests(root: Path, command: Sequence[str], data_file: Path) -> SuiteRun:
    """Run the test command under coverage with ``data_file`` as the data file, then combine."""
    argv = coverage_argv(command, data_file)
    proc = subprocess.run(  # noqa: S603  # nosec B603  # argv from the policy, no shell
        argv, cwd=root, env=clean_env(), capture_output=True, text=True, errors="replace"
    )
    parallel = sorted(data_file.parent.glob(data_file.name + ".*"))
    if parallel:
        _coverage(root, "combine", "--quiet", f"--data-file={data_file}")
    if not data_file.is_file():
        tail = (proc.stdout + proc.stderr).strip().splitlines()[-1:]
        raise InputError(
            f"coverage.command produced no coverage data (exit {proc.returncode})"
            + (f": {tail[0]}" if tail else ""),
            path="policy",
        )
    output = (proc.stdout + proc.stderr).rstrip().splitlines()
    return SuiteRun(proc.returncode, tuple(output[-10:]))


def _coverage(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    # -I: the repository's own modules (an html.py, a json.py) must not shadow the stdlib.
    argv = [sys.executable, "-I", "-m", "coverage", *args]
    return subprocess.run(  # noqa: S603  # nosec B603  # fixed argv, no shell
        argv, cwd=root, env=clean_env(), capture_output=True, text=True, errors="replace"
    )


def export_json(root: Path, data_file: Path, out: Path, label: str) -> str:
    """``coverage json`` on ``data_file`` with the repository's configuration; the JSON text."""
    proc = _coverage(
        root, "json", "--quiet", "--fail-under=0", f"--data-file={data_file}", "-o", str(out)
    )
    if proc.returncode != 0 or not out.is_file():
        problem = (proc.stderr or proc.stdout).strip().splitlines()
        reason = problem[-1] if problem else f"exit {proc.returncode}"
        raise InputError(f"coverage report failed: {reason}", path=label)
    return out.read_text(encoding="utf-8")


def remap_data(
    source: Path, root: Path, out: Path, extra: Sequence[Path], branch: bool | None = None
) -> tuple[bool, int]:
    """Copy ``source`` (a ``.coverage`` file) to ``out`` with paths mapped onto ``root``.

    Files outside the repository are dropped; ``extra`` files are added as never executed.
    Returns (branch data?, number of files kept). ``source`` may not exist when ``branch`` is
    given: then ``out`` holds only the ``extra`` files.
    """
    from coverage import CoverageData
    from coverage.exceptions import CoverageException

    from gatekeeper.gates.coverage.data import locate

    target = CoverageData(basename=str(out))
    kept = 0
    if branch is None:
        if not source.is_file():
            raise InputError(
                "coverage data file not found",
                path=source,
                hint="run the tests under coverage first; `coverage combine` for parallel data",
            )
        data = CoverageData(basename=str(source))
        try:
            data.read()
            measured = sorted(data.measured_files())
            branch = data.has_arcs() or not measured
            for name in measured:
                rel = locate(name, root)
                if rel is None:
                    continue
                kept += 1
                full = str(root / rel)
                if branch:
                    target.add_arcs({full: data.arcs(name) or []})
                else:
                    target.add_lines({full: data.lines(name) or []})
        except CoverageException as exc:
            raise InputError(f"unreadable coverage data: {exc}", path=source) from None
    if branch:
        target.add_arcs({})
    else:
        target.add_lines({})
    if extra:
        target.touch_files([str(p) for p in extra])
    target.write()
    return branch, kept
