"""The coverage gate: lines AND branches, default 100, no rounding, every gap a finding.

Two modes, chosen by the policy's ``[coverage]`` table:

* ``data`` unset: run ``command`` (an argv list, never a shell) under ``coverage run --branch``
  in the repository, with the repository's coverage configuration;
* ``data`` set: judge existing data: a ``.coverage`` SQLite file (combined), ``coverage.json``
  or a Cobertura ``coverage.xml``.

Every ``.py`` file under ``source`` (or ``[tool.coverage.run] source``) counts, imported or not.
With ``--base`` the gate adds diff coverage (changed lines not covered) as metrics and marks
findings that touch changed lines with ``data.changed``. It reports no baseline: the gate holds
main at its threshold, so a gap in a pull request is treated as the pull request's own, and
nothing is called pre-existing on a guess (there is no coverage data for the base commit).
"""

from __future__ import annotations

import tempfile
import tokenize
from pathlib import Path
from typing import TYPE_CHECKING

from gatekeeper.errors import InputError
from gatekeeper.gates.coverage.data import CoverageResult, parse_json, read_json, read_xml
from gatekeeper.gates.coverage.findings import (
    BRANCHES_TOTAL,
    LINES_TOTAL,
    NO_BRANCH_DATA,
    NO_FILES,
    RULES,
    TESTS_FAILED,
    Fingerprints,
    file_findings,
    floor2,
    meets,
    percent,
    pragma_findings,
)
from gatekeeper.gates.coverage.measure import (
    export_json,
    read_repo_config,
    remap_data,
    run_tests,
    source_files,
)
from gatekeeper.gates.interface import Gate, GateContext
from gatekeeper.model import Finding, GateResult, JSONScalar, Severity

if TYPE_CHECKING:
    from gatekeeper.policy.model import CoveragePolicy


def _analyze(
    data_file: Path, root: Path, extra: list[Path], work: Path, branch: bool | None, label: str
) -> CoverageResult:
    """A ``.coverage`` file (or only ``extra`` files when ``branch`` is given) as a result.

    ``label`` names the input in errors: the data file, or the test command that produced it.
    """
    mapped = work / "mapped.coverage"
    measured_branch, kept = remap_data(data_file, root, mapped, extra, branch)
    if not kept and not extra:
        return CoverageResult({}, measured_branch)
    text = export_json(root, mapped, mapped.with_suffix(".json"), label)
    result = parse_json(text, mapped.with_suffix(".json"), root)
    return CoverageResult(result.files, measured_branch)


def _source(root: Path, path: str) -> str:
    try:
        return (root / path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read source file: {exc.__class__.__name__}", path=path) from None


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
        walked = source_files(root, sources, config, origin)
        findings: list[Finding] = []
        with tempfile.TemporaryDirectory(prefix="gatekeeper-coverage-") as tmp:
            work = Path(tmp)
            if policy.data is None:
                mode = "run"
                raw = work / "raw.coverage"
                tests = run_tests(root, policy.command, raw)
                if tests.returncode != 0:
                    findings.append(
                        TESTS_FAILED.finding(
                            f"test command {' '.join(policy.command)!r} exited with "
                            f"{tests.returncode}: coverage of a failing suite is not trusted",
                            *policy.command,
                            data={"exit_code": tests.returncode, "output": list(tests.output_tail)},
                        )
                    )
                result = _analyze(raw, root, walked, work, None, "policy: coverage.command")
            else:
                mode = "data"
                result = self._read(root / policy.data, root, walked, work)
        return self._judge(ctx, policy, config.exclude, result, findings, mode)

    def _read(self, path: Path, root: Path, walked: list[Path], work: Path) -> CoverageResult:
        suffix = path.suffix.lower()
        if suffix not in (".json", ".xml"):
            return _analyze(path, root, walked, work, None, str(path))
        result = read_json(path, root) if suffix == ".json" else read_xml(path, root)
        unmeasured = [p for p in walked if p.relative_to(root).as_posix() not in result.files]
        if not unmeasured:
            return result
        extra = _analyze(path, root, unmeasured, work, result.branch_measured, str(path))
        return CoverageResult({**result.files, **extra.files}, result.branch_measured)

    def _judge(
        self,
        ctx: GateContext,
        policy: CoveragePolicy,
        exclude: tuple[str, ...],
        result: CoverageResult,
        findings: list[Finding],
        mode: str,
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
        if not files:
            findings.append(
                NO_FILES.finding(
                    "no source file of the repository was measured: check coverage.source, "
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
            findings += file_findings(
                cov, lines, touched, line_severity, branch_severity, fingerprints
            )
            try:
                findings += pragma_findings(cov.path, text, exclude, fingerprints)
            except (tokenize.TokenError, SyntaxError) as exc:
                raise InputError(f"cannot tokenize: {exc}", path=cov.path) from None
        metrics: dict[str, JSONScalar] = {
            "lines_pct": floor2(lines_pct),
            "branches_pct": floor2(branches_pct) if result.branch_measured else None,
            "files": len(files),
            "missed_lines": missed,
            "missed_branches": branches - taken,
            "lines_total": statements,
            "branches_total": branches,
            "mode": mode,
        }
        if ctx.base_ref is not None:
            diff_total = sum(len(f.statements & changed.get(f.path, frozenset())) for f in files)
            diff_missed = sum(len(f.missing & changed.get(f.path, frozenset())) for f in files)
            metrics["diff_lines_pct"] = floor2(percent(diff_total - diff_missed, diff_total))
            metrics["diff_lines"] = diff_total
            metrics["diff_missed_lines"] = diff_missed
        return GateResult.ok(findings, **metrics)
