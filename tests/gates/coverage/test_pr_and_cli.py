"""PR mode (diff coverage) and the real console script's exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.gates.coverage.conftest import (
    FULL_MOD,
    RunGate,
    full_project,
    gap_project,
    measure,
    write,
)
from tests.helpers import commit_all, init_repo, run_cli

pytestmark = pytest.mark.slow  # every test here starts a subprocess or a server

NEW_CODE = "\n\ndef added(x):\n    if x:\n        return 2\n    return 3\n"


def test_diff_coverage_flags_changed_lines(tmp_path: Path, run_gate: RunGate) -> None:
    root = full_project(init_repo(tmp_path / "repo"))
    write(root, {"pkg/old.py": "def old():\n    return 1\n", ".gitignore": ".coverage*\n"})
    commit_all(root, "base")
    write(root, {"pkg/mod.py": FULL_MOD + NEW_CODE})
    result = run_gate(root, base_ref="main")
    metrics = dict(result.metrics)
    assert (metrics["diff_lines"], metrics["diff_missed_lines"]) == (4, 3)
    assert metrics["diff_lines_pct"] == 25.0
    changed = {str(f.location): f.data["changed"] for f in result.findings if f.location}
    assert changed == {"pkg/mod.py:8": True, "pkg/old.py:1": False}


def test_diff_coverage_without_changes(tmp_path: Path, run_gate: RunGate) -> None:
    root = full_project(init_repo(tmp_path / "repo"))
    commit_all(root, "base")
    metrics = run_gate(root, base_ref="main").metrics
    assert (metrics["diff_lines_pct"], metrics["diff_lines"], metrics["diff_missed_lines"]) == (
        100.0,
        0,
        0,
    )


def test_cli_exit_codes(tmp_path: Path) -> None:
    passing = full_project(tmp_path / "passing")
    proc = run_cli("check", str(passing), "--gate", "coverage", "--format", "json")
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["gates"][0]["metrics"]["lines_pct"] == 100.0

    failing = gap_project(tmp_path / "failing")
    proc = run_cli("check", str(failing), "--gate", "coverage", "--format", "github")
    assert proc.returncode == 1, proc.stderr
    assert "::error file=pkg/mod.py,line=8,endLine=11,title=GK-COV-001" in proc.stdout

    broken = full_project(tmp_path / "broken")
    write(broken, {"pyproject.toml": '[tool.gatekeeper.coverage]\ndata = "cov.json"\n'})
    (broken / "cov.json").write_text("{broken", encoding="utf-8")
    proc = run_cli("check", str(broken), "--gate", "coverage")
    assert proc.returncode == 2, proc.stderr
    assert "cov.json: unreadable coverage data: not JSON" in proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr


def test_cli_judges_combined_data_of_a_repo(tmp_path: Path) -> None:
    """The dogfooding path: `coverage run` + `combine`, then the gate reads `.coverage`."""
    root = full_project(tmp_path / "proj")
    write(
        root,
        {
            "pyproject.toml": '[tool.coverage.run]\nsource = ["pkg"]\nparallel = true\n'
            "branch = true\n"
            '[tool.gatekeeper.coverage]\ndata = ".coverage"\n'
        },
    )
    measure(root)
    proc = run_cli("check", str(root), "--gate", "coverage", "--format", "json")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["gates"][0]["metrics"]["mode"] == "data"
