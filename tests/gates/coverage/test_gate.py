"""The coverage gate on real projects: run mode and every data mode."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

from gatekeeper.errors import InputError
from gatekeeper.model import Finding, Severity
from tests.gates.coverage.conftest import (
    MOD,
    RunGate,
    full_project,
    gap_project,
    measure,
    report,
    write,
)


def by_rule(findings: tuple[Finding, ...], rule: str) -> list[Finding]:
    return [f for f in findings if f.rule_id == rule]


def summary(findings: tuple[Finding, ...]) -> list[tuple[str, str | None, str]]:
    return [(f.rule_id, str(f.location) if f.location else None, f.message) for f in findings]


GAP_FINDINGS = [
    ("GK-COV-003", None, "line coverage 53.33% (8 of 15 lines) is below the required 100%"),
    ("GK-COV-004", None, "branch coverage 75.0% (3 of 4 branches) is below the required 100%"),
    ("GK-COV-001", "pkg/mod.py:4", "line 4 not covered"),
    ("GK-COV-001", "pkg/mod.py:8", "lines 8-11 not covered"),
    ("GK-COV-002", "pkg/mod.py:2", "line 2 → 4 never taken"),
    (
        "GK-COV-005",
        "pkg/mod.py:20:18",
        "coverage exclusion '# pragma: no cover' without a reason: say why on the same line, "
        "e.g. `# pragma: no cover - <why>`, or in a comment line directly above",
    ),
    ("GK-COV-001", "pkg/unused.py:1", "lines 1-5 not covered (file never imported by the tests)"),
]

GAP_METRICS = {
    "lines_pct": 53.33,
    "branches_pct": 75.0,
    "files": 3,
    "missed_lines": 7,
    "missed_branches": 1,
    "lines_total": 15,
    "branches_total": 4,
}
RUN_METRICS = {
    "mode": "run",
    "interpreter": str(Path(sys.prefix) / "bin" / "python"),
    "interpreter_from": "VIRTUAL_ENV",
}


@pytest.mark.slow
def test_run_mode_full_coverage_passes(tmp_path: Path, run_gate: RunGate) -> None:
    result = run_gate(full_project(tmp_path), command=["python", "-m", "pytest", "-q"])
    assert result.findings == ()
    assert dict(result.metrics) == {
        "lines_pct": 100.0,
        "branches_pct": 100.0,
        "files": 2,
        "missed_lines": 0,
        "missed_branches": 0,
        "lines_total": 4,
        "branches_total": 2,
        "mode": "run",
        "interpreter": str(Path(sys.prefix) / "bin" / "python"),
        "interpreter_from": "VIRTUAL_ENV",
    }


@pytest.mark.slow
def test_run_mode_reports_every_gap(tmp_path: Path, run_gate: RunGate) -> None:
    result = run_gate(gap_project(tmp_path))
    assert summary(result.findings) == GAP_FINDINGS
    assert dict(result.metrics) == {**GAP_METRICS, **RUN_METRICS}
    line = by_rule(result.findings, "GK-COV-001")[1]
    assert line.location is not None and line.location.end_line == 11
    assert line.help_uri == "https://gatekeeper.internal/docs/rules#GK-COV-001"
    assert dict(line.data) == {"lines": (8, 11), "changed": False, "unimported": False}
    assert all(f.severity >= Severity.MEDIUM for f in result.findings)


@pytest.mark.slow
@pytest.mark.parametrize("data", [".coverage", "coverage.json", "coverage.xml"])
def test_data_modes_agree_with_run_mode(data: str, gap_copy: Path, run_gate: RunGate) -> None:
    """Data recorded in another directory is mapped onto the scanned checkout."""
    result = run_gate(gap_copy, data=data)
    assert summary(result.findings) == GAP_FINDINGS
    assert dict(result.metrics) == {**GAP_METRICS, "mode": "data"}


@pytest.mark.slow
def test_fingerprints_survive_line_moves(gap_copy: Path, run_gate: RunGate) -> None:
    before = {f.message: f.fingerprint for f in run_gate(gap_copy).findings}
    mod = gap_copy / "pkg" / "mod.py"
    mod.write_text("import os\n\nPATH = os.sep\n\n\n" + MOD, encoding="utf-8")
    after = run_gate(gap_copy).findings
    moved = by_rule(after, "GK-COV-001")[1]
    assert moved.message == "lines 13-16 not covered"
    assert moved.fingerprint == before["lines 8-11 not covered"]
    assert len({f.fingerprint for f in after}) == len(after)


@pytest.mark.slow
def test_lower_threshold_reports_gaps_as_info(gap_copy: Path, run_gate: RunGate) -> None:
    result = run_gate(gap_copy, data=".coverage", lines=53.33, branches=75)
    assert by_rule(result.findings, "GK-COV-003") == []
    assert by_rule(result.findings, "GK-COV-004") == []
    for rule in ("GK-COV-001", "GK-COV-002"):
        assert {f.severity for f in by_rule(result.findings, rule)} == {Severity.INFO}
    assert by_rule(result.findings, "GK-COV-005")[0].severity is Severity.MEDIUM


def test_no_rounding_surprise(tmp_path: Path, run_gate: RunGate) -> None:
    """9999 of 10000 lines is 99.99%: it fails 100 and passes 99.99, and never shows as 100."""
    body = "".join(f"v{i} = {i}\n" for i in range(9999)) + "if v0:\n    v0 = 1\n"
    write(tmp_path, {"pkg/__init__.py": "", "pkg/big.py": body})
    (tmp_path / "coverage.json").write_text(
        '{"meta": {"branch_coverage": true}, "files": {"pkg/big.py": {'
        f'"executed_lines": {list(range(1, 10001))}, "missing_lines": [10001],'
        '"executed_branches": [[10000, -1]], "missing_branches": [[10000, 10001]]}}}',
        encoding="utf-8",
    )
    failing = run_gate(tmp_path, data="coverage.json", branches=50)
    assert failing.metrics["lines_pct"] == 99.99
    assert [f.rule_id for f in failing.findings] == ["GK-COV-003", "GK-COV-001", "GK-COV-002"]
    assert failing.findings[0].message.startswith("line coverage 99.99% (10000 of 10001")
    passing = run_gate(tmp_path, data="coverage.json", lines=99.99, branches=50)
    assert [f.severity for f in passing.findings] == [Severity.INFO, Severity.INFO]


@pytest.mark.slow
def test_statement_data_without_branches_fails_closed(tmp_path: Path, run_gate: RunGate) -> None:
    root = full_project(tmp_path)
    measure(root, branch=False)
    result = run_gate(root, data=".coverage")
    assert [f.rule_id for f in result.findings] == ["GK-COV-007"]
    assert result.metrics["branches_pct"] is None
    assert run_gate(root, data=".coverage", branches=0).findings == ()


@pytest.mark.slow
def test_unmeasured_files_are_added_to_report_data(tmp_path: Path, run_gate: RunGate) -> None:
    root = full_project(tmp_path)
    measure(root)
    report(root, "xml", "coverage.xml")
    write(root, {"pkg/late.py": "def late():\n    return 1\n"})
    result = run_gate(root, data="coverage.xml")
    assert summary(result.findings)[-1] == (
        "GK-COV-001",
        "pkg/late.py:1",
        "lines 1-2 not covered (file never imported by the tests)",
    )


@pytest.mark.slow
def test_policy_source_and_src_layout(tmp_path: Path, run_gate: RunGate) -> None:
    write(
        tmp_path,
        {
            "src/app/__init__.py": "",
            "src/app/core.py": "def f():\n    return 1\n",
            "lib/extra/tool.py": "X = 1\n",
            "tests/test_app.py": "from app.core import f\n\n\ndef test_f():\n    assert f() == 1\n",
            "pyproject.toml": '[tool.pytest.ini_options]\npythonpath = ["src"]\n'
            '[tool.coverage.report]\ninclude = ["src/*", "lib/*"]\n',
        },
    )
    result = run_gate(tmp_path, source=["app", "lib.extra"])
    assert result.metrics["files"] == 3
    assert summary(result.findings)[-1] == (
        "GK-COV-001",
        "lib/extra/tool.py:1",
        "line 1 not covered (file never imported by the tests)",
    )


@pytest.mark.slow
def test_source_walk_skips_environments(tmp_path: Path, run_gate: RunGate) -> None:
    """`source = ["."]` must not count a virtualenv, caches or hidden directories as source."""
    root = full_project(tmp_path)
    measure(root)
    write(
        root,
        {
            "venv/pyvenv.cfg": "home = /usr\n",
            "venv/lib/mod.py": "X = 1\n",
            "lib/site-packages/dep.py": "X = 1\n",
            ".hidden/x.py": "X = 1\n",
            "pkg/__pycache__/junk.py": "X = 1\n",
            "node_modules/x.py": "X = 1\n",
        },
    )
    result = run_gate(root, data=".coverage", source=["."])
    # The data was recorded for pkg only: the test module is the one unmeasured source file.
    assert result.metrics["files"] == 3  # pkg/__init__.py, pkg/mod.py, tests/test_mod.py
    located = {f.location.path for f in result.findings if f.location is not None}
    assert located == {"tests/test_mod.py"}


def test_missing_source_is_an_input_error(tmp_path: Path, run_gate: RunGate) -> None:
    full_project(tmp_path)
    with pytest.raises(InputError, match="coverage source 'nope' is not a directory") as info:
        run_gate(tmp_path, source=["nope"], data=".coverage")
    assert info.value.path == "policy: coverage.source"


def test_nothing_measured_is_a_finding(tmp_path: Path, run_gate: RunGate) -> None:
    write(
        tmp_path,
        {
            "coverage.json": '{"files": {"/elsewhere/x.py": {"executed_lines": [1], '
            '"missing_lines": []}}}'
        },
    )
    result = run_gate(tmp_path, data="coverage.json", branches=0)
    assert [f.rule_id for f in result.findings] == ["GK-COV-008"]
    assert result.metrics["files"] == 0 and result.metrics["lines_pct"] is None


@pytest.mark.slow
def test_sqlite_data_outside_the_repo_only(tmp_path: Path, run_gate: RunGate) -> None:
    root = full_project(tmp_path / "a")
    measure(root)
    other = write(tmp_path / "b", {"README": "x\n"})
    shutil.copy(root / ".coverage", other / ".coverage")
    (root / "pkg" / "mod.py").unlink()
    (root / "tests" / "test_mod.py").unlink()
    result = run_gate(other, data=".coverage")
    assert [f.rule_id for f in result.findings] == ["GK-COV-008"]


@pytest.mark.slow
def test_failing_tests_are_a_finding(tmp_path: Path, run_gate: RunGate) -> None:
    root = full_project(tmp_path)
    write(root, {"tests/test_broken.py": "def test_broken():\n    assert False\n"})
    result = run_gate(root)
    (failed,) = by_rule(result.findings, "GK-COV-006")
    assert failed.severity is Severity.HIGH
    assert failed.data["exit_code"] == 1
    assert "exited with 1" in failed.message
    assert any("failed" in line for line in failed.data["output"])


@pytest.mark.slow
def test_parallel_and_subprocess_data_is_combined(tmp_path: Path, run_gate: RunGate) -> None:
    root = full_project(tmp_path)
    write(root, {"pyproject.toml": '[tool.coverage.run]\nsource = ["pkg"]\nparallel = true\n'})
    result = run_gate(root)
    assert result.findings == ()
    assert result.metrics["files"] == 2


@pytest.mark.slow
def test_script_and_console_script_commands(
    tmp_path: Path, run_gate: RunGate, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = full_project(tmp_path)
    write(root, {"run_tests.py": "import sys\n\nimport pytest\n\nsys.exit(pytest.main(['-q']))\n"})
    assert run_gate(root, command=["python3", "run_tests.py"]).findings == ()
    import sys

    # A console script does not put the project on sys.path the way `python -m pytest` does.
    write(root, {"conftest.py": ""})
    monkeypatch.setenv("PATH", str(Path(sys.executable).parent), prepend=":")
    assert run_gate(root, command=["pytest", "-q"]).findings == ()


@pytest.mark.slow
@pytest.mark.parametrize(
    ("command", "message"),
    [
        (["python", "-c", "print(1)"], "give `python -m MODULE ...`"),
        (["python", "-m"], "give `python -m MODULE ...`"),
        (["no-such-tool-xyz"], "'no-such-tool-xyz' not found on PATH"),
        (["python", "-m", "no_such_module_xyz"], "produced no coverage data (exit 1)"),
    ],
)
def test_bad_commands_are_input_errors(
    tmp_path: Path, run_gate: RunGate, command: list[str], message: str
) -> None:
    root = full_project(tmp_path)
    with pytest.raises(InputError, match=message.replace("(", r"\(").replace(")", r"\)")):
        run_gate(root, command=command)


@pytest.mark.slow
def test_unparsable_source_fails_the_report(tmp_path: Path, run_gate: RunGate) -> None:
    root = full_project(tmp_path)
    write(root, {"pkg/broken.py": "def broken(:\n"})
    with pytest.raises(InputError, match="coverage report failed: .*broken.py") as info:
        run_gate(root)
    assert info.value.path == "policy: coverage.command"
