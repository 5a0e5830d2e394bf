"""Talking to coverage.py: the scanned repository's coverage configuration, running its tests
under ``coverage run`` with the project's interpreter, and turning a ``.coverage`` data file into
a JSON report.

Everything that depends on the working directory (coverage reads its configuration and resolves
relative patterns from there) runs in a subprocess with ``cwd`` set to the scanned repository, so
gates can run concurrently in threads. Subprocesses never inherit the ``COVERAGE_*`` variables of
whatever measures gatekeeper itself: the repository is measured with its own configuration only.

Every subprocess has a deadline (``coverage.timeout_s``). The test command runs in its own
session; at its deadline, and as soon as it exits, its whole process group is killed, so a hung
test or a forked child that keeps the output open cannot block the gate. Its output goes to a
file, of which only the tail is read: memory stays bounded whatever the command prints.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess  # nosec B404  # fixed argv lists (the policy command), never a shell
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from gatekeeper.errors import InputError
from gatekeeper.subprocesses import clean_env, output_tail, run_in_group

if TYPE_CHECKING:
    from coverage import CoverageData

#: Where coverage.py looks for its configuration, in its order; True: coverage's own file.
CONFIG_FILES = (
    (".coveragerc", True),
    (".coveragerc.toml", True),
    ("setup.cfg", False),
    ("tox.ini", False),
    ("pyproject.toml", False),
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
    #: ``[paths]``: alias groups, each the canonical path first (as ``coverage combine`` reads).
    paths: tuple[tuple[str, ...], ...] = ()


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
        except (TypeError, AttributeError, ValueError) as exc:
            # coverage.py indexes the TOML without checking types (`tool = "x"`, `run = 3`).
            raise InputError(
                f"invalid coverage configuration: a table has the wrong type ({exc})", path=path
            ) from None
        if found:
            used = name
            break
    return RepoConfig(
        file=used,
        exclude=tuple(config.exclude_list + config.exclude_also),
        source=tuple(config.source or ()),
        omit=tuple((config.run_omit or []) + (config.report_omit or [])),
        include=tuple(config.report_include or ()),
        paths=tuple(tuple(group) for group in config.paths.values() if group),
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


def source_dirs(root: Path, sources: Sequence[str], origin: str) -> list[Path]:
    """Each source as a directory of the repository: as given, under ``src/``, or dotted."""
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
        found.append(Path(os.path.normpath(directory)))
    return found


def source_files(root: Path, directories: Sequence[Path], config: RepoConfig) -> list[Path]:
    """Every .py file under ``directories`` that coverage would report (omit/include applied)."""
    omitted = _matcher(config.omit, root)
    included = _matcher(config.include, root) if config.include else (lambda _: True)
    found: list[Path] = []
    for directory in directories:
        found += [p for p in _py_files(directory) if not omitted(str(p)) and included(str(p))]
    return list(dict.fromkeys(found))


@dataclass(frozen=True, slots=True)
class Interpreter:
    """The Python that runs the project's tests, and what chose it."""

    path: str
    origin: str


def project_python(root: Path, env: Mapping[str, str]) -> Interpreter:
    """The project's interpreter: an active ``VIRTUAL_ENV``, ``<root>/.venv``, then ``python``
    (then ``python3``) on ``PATH``. Never gatekeeper's own, which may live in a pipx venv."""
    bindir, exe = ("Scripts", "python.exe") if os.name == "nt" else ("bin", "python")
    active = env.get("VIRTUAL_ENV")
    if active:
        candidate = Path(active) / bindir / exe
        if not candidate.is_file():
            raise InputError(
                f"VIRTUAL_ENV is {active!r} but it has no {bindir}/{exe}",
                path="environment",
                hint="activate a working virtualenv, or deactivate it",
            )
        return Interpreter(str(candidate), "VIRTUAL_ENV")
    local = root / ".venv" / bindir / exe
    if local.is_file():
        return Interpreter(str(local), ".venv")
    for name in ("python", "python3"):
        found = shutil.which(name, path=env.get("PATH", os.defpath))
        if found is not None:
            return Interpreter(found, f"{name} on PATH")
    raise InputError(
        "no Python interpreter for the project's tests",
        path="environment",
        hint="activate the project's virtualenv, create .venv/, or put python on PATH",
    )


def coverage_argv(
    command: Sequence[str],
    data_file: Path,
    python: str,
    source: Sequence[Path] = (),
    env: Mapping[str, str] | None = None,
) -> list[str]:
    """``PYTHON -m coverage run --branch --data-file=... [--source=...]`` for the test command.

    ``python`` is the project's interpreter (:func:`project_python`): a bare ``python``,
    ``python3`` or ``python3.X`` in the command means it. A path to an interpreter
    (``.venv/bin/python``) is used as given. Either needs coverage installed. Any other first word
    is a console script, looked up beside ``python`` first, then on ``PATH``.
    """
    head, *rest = command
    if _PYTHONS.match(Path(head).name):
        python = head if os.sep in head else python
        if not (rest and not rest[0].startswith("-")) and not (
            rest[:1] == ["-m"] and len(rest) > 1
        ):
            raise InputError(
                f"coverage.command {list(command)!r}: give `python -m MODULE ...` or "
                "`python SCRIPT ...`",
                path="policy",
            )
        target = rest
    else:
        search = os.pathsep.join([str(Path(python).parent), (env or os.environ).get("PATH", "")])
        exe = shutil.which(head, path=search)
        if exe is None:
            raise InputError(f"coverage.command: {head!r} not found on PATH", path="policy")
        target = [exe, *rest]
    run = ["run", "--branch", f"--data-file={data_file}"]
    if source:
        run.append("--source=" + ",".join(str(s) for s in source))
    return [python, "-m", "coverage", *run, *target]


@dataclass(frozen=True, slots=True)
class SuiteRun:
    returncode: int
    output_tail: tuple[str, ...]


def run_tests(
    root: Path, argv: Sequence[str], data_file: Path, log: Path, timeout_s: float
) -> SuiteRun:
    """Run ``argv`` (from :func:`coverage_argv`) in ``root``, then combine parallel data.

    Output (stdout and stderr) goes to ``log``. The command's process group is killed when the
    command exits (a forked child left behind cannot hold the gate) and at ``timeout_s``.
    """
    returncode = run_in_group(argv, cwd=root, log=log, timeout_s=timeout_s)
    if returncode is None:
        raise InputError(
            f"coverage.command did not finish within {timeout_s:g} s; its whole process "
            "group was killed",
            path="policy: coverage.timeout_s",
            hint="find the hanging test, or raise coverage.timeout_s",
        )
    tail = output_tail(log)
    parallel = sorted(data_file.parent.glob(data_file.name + ".*"))
    if parallel:
        _coverage(root, timeout_s, "combine", "--quiet", f"--data-file={data_file}")
    if not data_file.is_file():
        raise InputError(
            f"coverage.command produced no coverage data (exit {returncode})"
            + (f": {tail[-1]}" if tail else ""),
            path="policy",
            hint=f"the tests ran with {argv[0]}, which needs coverage installed",
        )
    return SuiteRun(returncode, tail)


def _coverage(root: Path, timeout_s: float, *args: str) -> subprocess.CompletedProcess[str]:
    # -I: the repository's own modules (an html.py, a json.py) must not shadow the stdlib.
    argv = [sys.executable, "-I", "-m", "coverage", *args]
    try:
        return subprocess.run(  # noqa: S603  # nosec B603  # fixed argv, no shell
            argv,
            cwd=root,
            env=clean_env(),
            capture_output=True,
            text=True,
            errors="replace",
            timeout=timeout_s,
        )
    except subprocess.TimeoutExpired:
        raise InputError(
            f"`coverage {args[0]}` did not finish within {timeout_s:g} s",
            path="policy: coverage.timeout_s",
        ) from None


def export_json(root: Path, data_file: Path, out: Path, label: str, timeout_s: float) -> str:
    """``coverage json`` on ``data_file`` with the repository's configuration; the JSON text."""
    proc = _coverage(
        root,
        timeout_s,
        "json",
        "--quiet",
        "--fail-under=0",
        f"--data-file={data_file}",
        "-o",
        str(out),
    )
    if proc.returncode != 0 or not out.is_file():
        problem = (proc.stderr or proc.stdout).strip().splitlines()
        reason = problem[-1] if problem else f"exit {proc.returncode}"
        raise InputError(f"coverage report failed: {reason}", path=label)
    return out.read_text(encoding="utf-8")


def remap_data(
    source: Path,
    paths: Callable[[str], str | None],
    root: Path,
    out: Path,
    extra: Sequence[Path],
    branch: bool | None = None,
) -> tuple[bool, int]:
    """Copy ``source`` (a ``.coverage`` file) to ``out`` with paths mapped onto ``root``.

    ``paths`` maps a recorded path to a repository file (None: not one). Every file coverage
    recorded counts, also one it recorded with no lines (``--source`` on the command line adds
    files never imported that way). Files outside the repository are dropped; ``extra`` files
    are added as never executed. Returns (branch data?, number of files kept). ``source`` may not
    exist when ``branch`` is given: then ``out`` holds only the ``extra`` files.
    """
    from coverage import CoverageData
    from coverage.exceptions import CoverageException

    target = CoverageData(basename=str(out))
    kept: list[str] = []
    if branch is None:
        if not source.is_file():
            raise InputError(
                "coverage data is not a regular file"
                if source.exists()
                else "coverage data file not found",
                path=source,
                hint="run the tests under coverage first; `coverage combine` for parallel data",
            )
        data = CoverageData(basename=str(source))
        try:
            data.read()
            measured = sorted(data.measured_files())
            branch = data.has_arcs() or not measured
            _choose(target, branch)
            for name in measured:
                rel = paths(name)
                if rel is None:
                    continue
                full = str(root / rel)
                kept.append(full)
                if branch:
                    target.add_arcs({full: data.arcs(name) or []})
                else:
                    target.add_lines({full: data.lines(name) or []})
        except CoverageException as exc:
            raise InputError(f"unreadable coverage data: {exc}", path=source) from None
    else:
        _choose(target, branch)
    target.touch_files([*kept, *(str(p) for p in extra)])
    target.write()
    return branch, len(set(kept))


def _choose(target: CoverageData, branch: bool) -> None:
    """Make an empty CoverageData hold arcs (branch data) or lines."""
    if branch:
        target.add_arcs({})
    else:
        target.add_lines({})
