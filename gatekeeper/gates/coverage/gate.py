"""The coverage gate: lines AND branches, default 100, no rounding, every gap a finding.

Two modes, chosen by the policy's ``[coverage]`` table:

* ``data`` unset: run ``command`` (an argv list, never a shell) under ``coverage run --branch``
  in the repository, with the repository's coverage configuration and the project's interpreter
  (an active virtualenv, ``.venv/``, or ``python`` on PATH), within ``timeout_s``;
* ``data`` set: judge existing data: a ``.coverage`` SQLite file (combined), ``coverage.json``
  or a Cobertura ``coverage.xml``.

Every file coverage.py recorded counts, and every ``.py`` file under ``source`` (or
``[tool.coverage.run] source``), imported or not; a policy ``source`` is also what run mode
measures (``--source``) and all that data mode counts. With ``--base`` the gate adds diff
coverage (changed lines not covered) as metrics and marks findings that touch changed lines with
``data.changed``. It reports no baseline: the gate holds main at its threshold, so a gap in a
pull request is treated as the pull request's own, and nothing is called pre-existing on a guess
(there is no coverage data for the base commit).
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import tokenize
from pathlib import Path
from typing import TYPE_CHECKING

from gatekeeper.errors import InputError
from gatekeeper.gates.coverage.data import (
    CoverageResult,
    PathMap,
    alias_for,
    parse_json,
    read_json,
    read_xml,
)
from gatekeeper.gates.coverage.findings import (
    BRANCHES_TOTAL,
    LINES_TOTAL,
    NO_BRANCH_DATA,
    NO_FILES,
    RULES,
    TESTS_FAILED,
    UNMAPPED,
    Fingerprints,
    file_findings,
    floor2,
    meets,
    percent,
    pragma_findings,
)
from gatekeeper.gates.coverage.measure import (
    coverage_argv,
    export_json,
    project_python,
    read_repo_config,
    remap_data,
    run_tests,
    source_dirs,
    source_files,
)
from gatekeeper.gates.interface import Gate, GateContext
from gatekeeper.model import Finding, GateResult, JSONScalar, Severity

if TYPE_CHECKING:
    from gatekeeper.policy.model import CoveragePolicy


class _Measurement:
    """One run of the gate: the repository, where it works, how paths map, the deadline."""

    def __init__(self, root: Path, work: Path, paths: PathMap, timeout_s: float) -> None:
        self.root = root
        self.work = work
        self.paths = paths
        self.timeout_s = timeout_s

    def analyze(
        self, data_file: Path, extra: list[Path], branch: bool | None, label: str
    ) -> CoverageResult:
        """A ``.coverage`` file (or only ``extra`` files when ``branch`` is given) as a result.

        ``label`` names the input in errors: the data file, or the test command that made it.
        """
        mapped = self.work / "mapped.coverage"
        measured_branch, kept = remap_data(data_file, self.paths, self.root, mapped, extra, branch)
        if not kept and not extra:
            return CoverageResult({}, measured_branch)
        out = mapped.with_suffix(".json")
        text = export_json(self.root, mapped, out, label, self.timeout_s)
        result = parse_json(text, out, PathMap(self.root))
        return CoverageResult(result.files, measured_branch)

    def read(self, path: Path, walked: list[Path]) -> CoverageResult:
        suffix = path.suffix.lower()
        if suffix not in (".json", ".xml"):
            return self.analyze(path, walked, None, str(path))
        reader = read_json if suffix == ".json" else read_xml
        result = reader(path, self.paths)
        root = self.root
        unmeasured = [p for p in walked if p.relative_to(root).as_posix() not in result.files]
        if not unmeasured:
            return result
        extra = self.analyze(path, unmeasured, result.branch_measured, str(path))
        return CoverageResult({**result.files, **extra.files}, result.branch_measured)


def _source(root: Path, path: str) -> str:
    try:
        return (root / path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read source file: {exc.__class__.__name__}", path=path) from None


def _within(path: str, directory: str) -> bool:
    return directory == "." or path == directory or path.startswith(directory + "/")


_PATHS_SECTION = {
    "pyproject.toml": "[tool.coverage.paths]",
    "setup.cfg": "[coverage:paths]",
    "tox.ini": "[coverage:paths]",
}


def _unmapped_findings(unmapped: dict[str, str], config_file: str | None) -> list[Finding]:
    """One finding per installed copy in the data that no ``[paths]`` alias maps back."""
    out = []
    for recorded, rel in unmapped.items():
        file = config_file or "pyproject.toml"
        fix = (
            f"{_PATHS_SECTION.get(file, '[paths]')} source = {json.dumps(alias_for(recorded, rel))}"
        )
        out.append(
            UNMAPPED.finding(
                f"the coverage data has {recorded}, an installed copy of {rel} that no [paths] "
                f"alias maps onto the repository: add {fix} to {file}, as `coverage combine` "
                "reads it",
                rel,
                data={"recorded": recorded, "path": rel},
            )
        )
    return out


class CoverageGate(Gate):
    name = "coverage"
    description = "line and branch coverage at the policy's threshold (default 100%)"
    rules = RULES

    def run(self, ctx: GateContext) -> GateResult:
        policy: CoveragePolicy = ctx.policy.coverage
        root = ctx.root
        config = read_repo_config(root)
        if policy.source:
            sources, origin = list(policy.source), "policy: coverage.source"
        else:
            sources, origin = list(config.source), config.file or "coverage configuration"
        directories = source_dirs(root, sources, origin)
        walked = source_files(root, directories, config)
        paths = PathMap(root, config.paths, config.file or "")
        findings: list[Finding] = []
        metrics: dict[str, JSONScalar] = {}
        with tempfile.TemporaryDirectory(prefix="gatekeeper-coverage-") as tmp:
            measurement = _Measurement(root, Path(tmp), paths, policy.timeout_s)
            if policy.data is None:
                mode = "run"
                findings += self._run(measurement, policy, directories, metrics)
                result = measurement.analyze(
                    measurement.work / "raw.coverage", walked, None, "policy: coverage.command"
                )
            else:
                mode = "data"
                result = measurement.read(root / policy.data, walked)
        if policy.source:  # the policy's source is all that counts, in data mode too
            under = [d.relative_to(root).as_posix() for d in directories]
            kept = {k: v for k, v in result.files.items() if any(_within(k, d) for d in under)}
            result = CoverageResult(kept, result.branch_measured)
        unmapped = paths.unmapped()
        findings += _unmapped_findings(unmapped, config.file)
        return self._judge(
            ctx, policy, config.exclude, result, findings, mode, metrics, set(unmapped.values())
        )

    def cache_inputs(self, ctx: GateContext) -> bytes | None:
        """The repository's files (source, tests, coverage configuration), the interpreter the
        tests run with and its installed packages (the site-packages directories' mtimes), and
        the environment variables that choose them. None in data mode: the data file is
        usually untracked and ignored."""
        if ctx.policy.coverage.data is not None:
            return None
        from gatekeeper.verdicts import repo_inputs

        python = project_python(ctx.root, os.environ)
        prefix = Path(python.path).parent.parent
        stamps = sorted(
            f"{path}={path.stat().st_mtime_ns}"
            for pattern in ("lib/python*/site-packages", "lib/python*/dist-packages")
            for path in prefix.glob(pattern)
        )
        env = [f"{k}={os.environ.get(k, '')}" for k in ("VIRTUAL_ENV", "PATH", "PYTHONPATH")]
        return repo_inputs(ctx, python.path, *stamps, *env)

    def _run(
        self,
        measurement: _Measurement,
        policy: CoveragePolicy,
        directories: list[Path],
        metrics: dict[str, JSONScalar],
    ) -> list[Finding]:
        """Run the test command with the project's interpreter; a finding if it failed."""
        python = project_python(measurement.root, os.environ)
        raw = measurement.work / "raw.coverage"
        source = directories if policy.source else []
        argv = coverage_argv(policy.command, raw, python.path, source)
        metrics["interpreter"] = argv[0]
        given = os.sep in policy.command[0] and argv[0] == policy.command[0]  # a path, as given
        metrics["interpreter_from"] = "command" if given else python.origin
        sys.stderr.write(
            f"gatekeeper: coverage: running the tests with {argv[0]} "
            f"({metrics['interpreter_from']})\n"
        )
        tests = run_tests(
            measurement.root, argv, raw, measurement.work / "output.log", policy.timeout_s
        )
        if tests.returncode == 0:
            return []
        return [
            TESTS_FAILED.finding(
                f"test command {' '.join(policy.command)!r} exited with "
                f"{tests.returncode}: coverage of a failing suite is not trusted",
                *policy.command,
                data={"exit_code": tests.returncode, "output": list(tests.output_tail)},
            )
        ]

    def _judge(
        self,
        ctx: GateContext,
        policy: CoveragePolicy,
        exclude: tuple[str, ...],
        result: CoverageResult,
        findings: list[Finding],
        mode: str,
        metrics: dict[str, JSONScalar],
        installed: set[str],
    ) -> GateResult:
        files = [result.files[k] for k in sorted(result.files)]
        statements = sum(len(f.statements) for f in files)
        missed = sum(len(f.missing) for f in files)
        branches = sum(f.branches for f in files)
        taken = sum(f.branches_covered for f in files)
        lines_pct = percent(statements - missed, statements)
        branches_pct = percent(taken, branches)
        lines_ok = meets(lines_pct, policy.lines)
        branches_ok = meets(branches_pct, policy.branches) and (
            result.branch_measured or policy.branches == 0
        )
        if not statements:  # nothing measured is never 100%
            what = "no source file" if not files else "no statement of any source file"
            findings.append(
                NO_FILES.finding(
                    f"{what} of the repository was measured: check coverage.source, "
                    "[tool.coverage.run] source and the paths in the coverage data",
                    "files",
                )
            )
        if not lines_ok:
            findings.append(
                LINES_TOTAL.finding(
                    f"line coverage {floor2(lines_pct)}% ({statements - missed} of {statements} "
                    f"lines) is below the required {policy.lines:g}%",
                    "lines",
                )
            )
        if not result.branch_measured and policy.branches > 0:
            findings.append(
                NO_BRANCH_DATA.finding(
                    "the coverage data has no branch measurements: run coverage with "
                    "`--branch` (or branch = true)",
                    "branches",
                )
            )
        elif not branches_ok:
            findings.append(
                BRANCHES_TOTAL.finding(
                    f"branch coverage {floor2(branches_pct)}% ({taken} of {branches} branches) "
                    f"is below the required {policy.branches:g}%",
                    "branches",
                )
            )
        changed = ctx.git.changed_lines(ctx.base_ref) if ctx.base_ref is not None else {}
        line_severity = Severity.INFO if lines_ok else None
        branch_severity = Severity.INFO if branches_ok else None
        fingerprints = Fingerprints()
        for cov in files:
            text = _source(ctx.root, cov.path)
            lines = text.splitlines()
            touched = changed.get(cov.path, frozenset())
            note = (
                "the data has only an installed copy of it: see GK-COV-009"
                if cov.path in installed
                else "file never imported by the tests"
            )
            findings += file_findings(
                cov, lines, touched, line_severity, branch_severity, fingerprints, note
            )
            try:
                findings += pragma_findings(cov.path, text, exclude, fingerprints)
            except (tokenize.TokenError, SyntaxError) as exc:
                raise InputError(f"cannot tokenize: {exc}", path=cov.path) from None
        metrics = {
            "lines_pct": floor2(lines_pct) if statements else None,
            "branches_pct": floor2(branches_pct) if result.branch_measured and statements else None,
            "files": len(files),
            "missed_lines": missed,
            "missed_branches": branches - taken,
            "lines_total": statements,
            "branches_total": branches,
            "mode": mode,
            **metrics,
        }
        if ctx.base_ref is not None:
            diff_total = sum(len(f.statements & changed.get(f.path, frozenset())) for f in files)
            diff_missed = sum(len(f.missing & changed.get(f.path, frozenset())) for f in files)
            metrics["diff_lines_pct"] = floor2(percent(diff_total - diff_missed, diff_total))
            metrics["diff_lines"] = diff_total
            metrics["diff_missed_lines"] = diff_missed
        return GateResult.ok(findings, **metrics)
