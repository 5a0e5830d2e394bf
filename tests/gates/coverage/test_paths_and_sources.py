"""What counts: files coverage.py recorded, installed copies, the policy's source, nothing at all.

Every case is measured by a real ``coverage run`` and compared with coverage.py's own report.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from gatekeeper.errors import InputError
from gatekeeper.gates.coverage.data import PathMap, alias_for, installed_copy
from gatekeeper.model import GateResult
from tests.gates.coverage.conftest import RunGate, clean_env, report, write

pytestmark = pytest.mark.slow

SIGN = "def sign(x):\n    if x > 0:\n        return 1\n    return -1\n"
TEST_SIGN = "from pkg.mod import sign\n\n\ndef test_sign():\n    assert sign(2) == 1\n"
UNUSED = "VALUE = 1\n\n\ndef unused():\n    return VALUE\n"


def project(root: Path, layout: str = "") -> Path:
    """pkg with a gap and a module no test imports; no coverage configuration at all."""
    return write(
        root,
        {
            f"{layout}pkg/__init__.py": "",
            f"{layout}pkg/mod.py": SIGN,
            f"{layout}pkg/unused.py": UNUSED,
            "tests/test_mod.py": TEST_SIGN,
        },
    )


def coverage_run(root: Path, *args: str, env: dict[str, str] | None = None) -> None:
    subprocess.run(
        [sys.executable, "-m", "coverage", "run", "--branch", *args, "-m", "pytest", "-q"],
        cwd=root,
        env={**clean_env(), **(env or {})},
        check=True,
        capture_output=True,
    )


def coverage_py_totals(root: Path, data: str = ".coverage") -> dict[str, Any]:
    """coverage.py's own numbers for ``data``, from its JSON report."""
    subprocess.run(
        [sys.executable, "-m", "coverage", "json", "-q", f"--data-file={data}", "-o", "cp.json"],
        cwd=root,
        env=clean_env(),
        check=True,
        capture_output=True,
    )
    doc = json.loads((root / "cp.json").read_text(encoding="utf-8"))
    (root / "cp.json").unlink()
    return {
        "files": sorted(doc["files"]),
        "lines_total": doc["totals"]["num_statements"],
        "missed_lines": doc["totals"]["missing_lines"],
        "branches_total": doc["totals"]["num_branches"],
        "missed_branches": doc["totals"]["missing_branches"],
    }


def gate_totals(result: GateResult) -> dict[str, Any]:
    keys = ("lines_total", "missed_lines", "branches_total", "missed_branches")
    return {k: result.metrics[k] for k in keys}


def located(result: GateResult) -> set[str]:
    return {f.location.path for f in result.findings if f.location is not None}


# 1. Files recorded with no lines: `coverage run --source=pkg` (also what pytest --cov=pkg does)


@pytest.mark.parametrize("data", [".coverage", "coverage.json", "coverage.xml"])
def test_source_on_the_command_line_counts_unimported_files(
    tmp_path: Path, run_gate: RunGate, data: str
) -> None:
    root = project(tmp_path)
    coverage_run(root, "--source=pkg")
    expected = coverage_py_totals(root)
    assert "pkg/unused.py" in expected["files"]  # coverage.py reports it at 0%
    if data != ".coverage":
        report(root, data.split(".")[1], data)
    result = run_gate(root, data=data)
    assert gate_totals(result) == {k: v for k, v in expected.items() if k != "files"}
    assert result.metrics["files"] == len(expected["files"]) == 3
    unused = [f for f in result.findings if f.location and f.location.path == "pkg/unused.py"]
    assert [f.message for f in unused] == [
        "lines 1-5 not covered (file never imported by the tests)"
    ]


# 2. Installed copies: CI installs the package, coverage records site-packages paths


@pytest.fixture
def installed(tmp_path: Path) -> Path:
    """A src-layout repo whose tests ran against a copy installed in site-packages."""
    root = project(tmp_path / "repo", "src/")
    site = tmp_path / "env" / "lib" / "python3.11" / "site-packages"
    shutil.copytree(root / "src" / "pkg", site / "pkg")
    coverage_run(root, "--source=pkg", "--parallel-mode", env={"PYTHONPATH": str(site)})
    (raw,) = root.glob(".coverage.*")
    raw.rename(root / "installed.coverage")
    return root


def test_installed_copy_without_paths_says_so(installed: Path, run_gate: RunGate) -> None:
    result = run_gate(installed, data="installed.coverage", source=["pkg"])
    unmapped = [f for f in result.findings if f.rule_id == "GK-COV-009"]
    assert [f.data["path"] for f in unmapped] == [
        "src/pkg/__init__.py",
        "src/pkg/mod.py",
        "src/pkg/unused.py",
    ]
    recorded = str(installed.parent / "env/lib/python3.11/site-packages/pkg/mod.py")
    assert unmapped[1].message == (
        f"the coverage data has {recorded}, an installed copy of src/pkg/mod.py that no [paths] "
        'alias maps onto the repository: add [tool.coverage.paths] source = ["src/", '
        '"*/site-packages/"] to pyproject.toml, as `coverage combine` reads it'
    )
    notes = [f.message for f in result.findings if f.rule_id == "GK-COV-001"]
    assert notes == [
        "lines 1-4 not covered (the data has only an installed copy of it: see GK-COV-009)",
        "lines 1-5 not covered (the data has only an installed copy of it: see GK-COV-009)",
    ]
    assert all("never imported" not in f.message for f in result.findings)


def test_installed_copy_without_any_source_is_not_a_pass(
    installed: Path, run_gate: RunGate
) -> None:
    result = run_gate(installed, data="installed.coverage")
    assert [f.rule_id for f in result.findings] == ["GK-COV-009"] * 3 + ["GK-COV-008"]
    assert result.metrics["lines_pct"] is None and result.metrics["branches_pct"] is None


def test_paths_aliases_map_installed_copies_like_combine(
    installed: Path, run_gate: RunGate
) -> None:
    write(installed, {"pyproject.toml": PATHS})
    result = run_gate(installed, data="installed.coverage")
    shutil.copy(installed / "installed.coverage", installed / ".coverage.ci")
    subprocess.run(
        [sys.executable, "-m", "coverage", "combine", "-q"],
        cwd=installed,
        env=clean_env(),
        check=True,
        capture_output=True,
    )
    expected = coverage_py_totals(installed)
    assert expected["files"] == ["src/pkg/__init__.py", "src/pkg/mod.py", "src/pkg/unused.py"]
    assert gate_totals(result) == {k: v for k, v in expected.items() if k != "files"}
    assert located(result) == {"src/pkg/mod.py", "src/pkg/unused.py"}
    assert all(f.rule_id != "GK-COV-009" for f in result.findings)


PATHS = '[tool.coverage.paths]\nsource = ["src/", "*/site-packages/"]\n'


def test_installed_copy_of_a_flat_layout(tmp_path: Path) -> None:
    write(tmp_path, {"pkg/m.py": ""})
    recorded = "/ci/.tox/py/lib/python3.12/site-packages/pkg/m.py"
    assert installed_copy(recorded, tmp_path) == "pkg/m.py"
    assert alias_for(recorded, "pkg/m.py") == ["./", "*/site-packages/"]
    assert installed_copy("/usr/lib/python3/dist-packages/other/m.py", tmp_path) is None
    assert installed_copy("/ci/checkout/pkg/m.py", tmp_path) is None


def test_invalid_paths_alias_is_an_input_error(tmp_path: Path, run_gate: RunGate) -> None:
    write(tmp_path, {".coveragerc": "[paths]\nsource =\n    src/\n    */site-packages/*\n"})
    with pytest.raises(InputError, match=r"invalid \[paths\].*must not end with wildcards") as info:
        run_gate(tmp_path, data="coverage.json")
    assert info.value.path == ".coveragerc"
    with pytest.raises(InputError, match="coverage configuration: invalid"):
        PathMap(tmp_path, [["src/", "*/x*"]])


# 3. The policy's source is what run mode measures; tests/ are not mixed in


def test_policy_source_decides_what_run_mode_measures(tmp_path: Path, run_gate: RunGate) -> None:
    root = project(tmp_path)
    result = run_gate(root, source=["pkg"])
    assert result.metrics["files"] == 3
    assert located(result) == {"pkg/mod.py", "pkg/unused.py"}
    coverage_run(root, "--source=pkg")
    expected = coverage_py_totals(root)
    assert gate_totals(result) == {k: v for k, v in expected.items() if k != "files"}


def test_policy_source_limits_data_recorded_without_one(tmp_path: Path, run_gate: RunGate) -> None:
    root = project(tmp_path)
    coverage_run(root)  # no source: coverage.py measures the tests too
    assert "tests/test_mod.py" in coverage_py_totals(root)["files"]
    result = run_gate(root, data=".coverage", source=["pkg"])
    assert result.metrics["files"] == 3
    assert located(result) == {"pkg/mod.py", "pkg/unused.py"}


def test_without_any_source_coverage_py_decides(tmp_path: Path, run_gate: RunGate) -> None:
    """No source anywhere: what coverage.py measured is what counts, as `coverage report`."""
    root = project(tmp_path)
    result = run_gate(root)
    coverage_run(root)
    expected = coverage_py_totals(root)
    assert gate_totals(result) == {k: v for k, v in expected.items() if k != "files"}
    assert result.metrics["files"] == len(expected["files"])


# 4. Nothing measured is never 100%


def test_no_repository_file_with_paths_set_fails(tmp_path: Path, run_gate: RunGate) -> None:
    root = project(tmp_path / "a")
    coverage_run(root, "--source=pkg")
    other = write(tmp_path / "b", {"pyproject.toml": PATHS, "README": "x\n"})
    shutil.copy(root / ".coverage", other / ".coverage")
    shutil.rmtree(root)
    result = run_gate(other, data=".coverage")
    assert [f.rule_id for f in result.findings] == ["GK-COV-008"]
    assert result.findings[0].message.startswith("no source file of the repository was measured")
    assert (result.metrics["lines_pct"], result.metrics["branches_pct"]) == (None, None)


def test_zero_statements_is_a_finding(tmp_path: Path, run_gate: RunGate) -> None:
    root = write(tmp_path, {"pkg/__init__.py": "", "tests/test_x.py": "def test_x():\n    pass\n"})
    result = run_gate(root, source=["pkg"])
    assert [f.rule_id for f in result.findings] == ["GK-COV-008"]
    assert result.findings[0].message.startswith("no statement of any source file")
    assert result.metrics["files"] == 1 and result.metrics["lines_pct"] is None


TEST_NEGATIVE = "from pkg.mod import sign\n\n\ndef test_negative():\n    assert sign(-2) == -1\n"


@pytest.mark.parametrize("kind", ["json", "xml"])
def test_report_with_both_copies_merges_like_combine(
    tmp_path: Path, run_gate: RunGate, kind: str
) -> None:
    """One run against the checkout, one against the installed copy, reported uncombined."""
    root = project(tmp_path / "repo", "src/")
    site = tmp_path / "env" / "lib" / "python3.11" / "site-packages"
    shutil.copytree(root / "src" / "pkg", site / "pkg")
    coverage_run(root, "--source=pkg", "-p", env={"PYTHONPATH": str(root / "src")})
    write(root, {"tests/test_mod.py": TEST_NEGATIVE})
    coverage_run(root, "--source=pkg", "-p", env={"PYTHONPATH": str(site)})
    parallel = sorted(root.glob(".coverage.*"))
    saved = tmp_path / "saved"
    saved.mkdir()
    for data in parallel:
        shutil.copy(data, saved / data.name)
    subprocess.run(  # combined without [paths]: both copies stay separate entries
        [sys.executable, "-m", "coverage", "combine", "-q"],
        cwd=root,
        env=clean_env(),
        check=True,
        capture_output=True,
    )
    name = report(root, kind, f"coverage.{kind}").name
    write(root, {"pyproject.toml": PATHS})
    result = run_gate(root, data=name)
    (root / ".coverage").unlink()
    for data in saved.iterdir():
        shutil.copy(data, root / data.name)
    subprocess.run(
        [sys.executable, "-m", "coverage", "combine", "-q"],
        cwd=root,
        env=clean_env(),
        check=True,
        capture_output=True,
    )
    expected = coverage_py_totals(root)
    assert gate_totals(result) == {k: v for k, v in expected.items() if k != "files"}
    # Each run alone missed a line of mod.py; together only unused.py (3 lines) is missed.
    assert (expected["missed_lines"], expected["missed_branches"]) == (3, 0)
    assert all(f.rule_id != "GK-COV-009" for f in result.findings)
