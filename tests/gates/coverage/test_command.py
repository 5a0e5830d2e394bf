"""The test command: whose interpreter runs it, its deadline, its output, and the CLI flags."""

from __future__ import annotations

import json
import stat
import subprocess
import sys
import sysconfig
import time
import tracemalloc
from pathlib import Path

import pytest

from gatekeeper.errors import InputError
from gatekeeper.gates.coverage.measure import (
    Interpreter,
    coverage_argv,
    export_json,
    project_python,
)
from gatekeeper.subprocesses import output_tail
from tests.gates.coverage.conftest import (
    PYPROJECT,
    RunGate,
    full_project,
    gap_project,
    measure,
    write,
)
from tests.helpers import run_cli

pytestmark = pytest.mark.slow


def executable(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("#!/bin/sh\n", encoding="utf-8")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


# 5. The project's interpreter: VIRTUAL_ENV, then .venv/, then python (python3) on PATH


def test_interpreter_order(tmp_path: Path) -> None:
    active = executable(tmp_path / "active" / "bin" / "python")
    local = executable(tmp_path / "repo" / ".venv" / "bin" / "python")
    on_path = executable(tmp_path / "path" / "python")
    py3 = executable(tmp_path / "path3" / "python3")
    root = tmp_path / "repo"
    everything = {"VIRTUAL_ENV": str(tmp_path / "active"), "PATH": str(on_path.parent)}
    assert project_python(root, everything) == Interpreter(str(active), "VIRTUAL_ENV")
    assert project_python(root, {"PATH": str(on_path.parent)}) == Interpreter(str(local), ".venv")
    elsewhere = tmp_path / "other"
    assert project_python(elsewhere, {"PATH": str(on_path.parent)}) == Interpreter(
        str(on_path), "python on PATH"
    )
    assert project_python(elsewhere, {"PATH": str(py3.parent)}) == Interpreter(
        str(py3), "python3 on PATH"
    )
    with pytest.raises(InputError, match="no Python interpreter for the project's tests"):
        project_python(elsewhere, {"PATH": str(tmp_path / "empty")})
    with pytest.raises(InputError, match="VIRTUAL_ENV is .* but it has no bin/python"):
        project_python(root, {"VIRTUAL_ENV": str(tmp_path / "gone")})


def test_console_script_is_looked_up_beside_the_interpreter(tmp_path: Path) -> None:
    script = executable(tmp_path / "venv" / "bin" / "tool")
    python = str(tmp_path / "venv" / "bin" / "python")
    argv = coverage_argv(["tool", "-q"], tmp_path / "d", python, env={"PATH": ""})
    assert argv == [
        python,
        "-m",
        "coverage",
        "run",
        "--branch",
        f"--data-file={tmp_path / 'd'}",
    ] + [
        str(script),
        "-q",
    ]


def project_venv(root: Path) -> Path:
    """``root/.venv``: a real virtualenv that sees this environment's packages through a .pth."""
    subprocess.run(
        [sys.executable, "-m", "venv", "--without-pip", str(root / ".venv")],
        check=True,
        capture_output=True,
    )
    python = root / ".venv" / "bin" / "python"
    site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    Path(site, "outer.pth").write_text(sysconfig.get_path("purelib") + "\n", encoding="utf-8")
    return python


def test_the_projects_venv_runs_the_tests(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """gatekeeper's own interpreter is not the project's (pipx): `.venv/` is used, and said."""
    root = full_project(tmp_path / "proj")
    python = project_venv(root)
    write(
        root,
        {
            "tests/test_which.py": "import sys\n\n\ndef test_which():\n"
            f"    assert sys.prefix == {str(root / '.venv')!r}\n"
        },
    )
    monkeypatch.delenv("VIRTUAL_ENV")
    proc = run_cli("check", str(root), "--gate", "coverage", "--format", "json")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    metrics = json.loads(proc.stdout)["gates"][0]["metrics"]
    assert (metrics["interpreter"], metrics["interpreter_from"]) == (str(python), ".venv")
    assert f"gatekeeper: coverage: running the tests with {python} (.venv)" in proc.stderr


def test_an_interpreter_in_the_command_is_used_as_given(tmp_path: Path, run_gate: RunGate) -> None:
    root = full_project(tmp_path)
    result = run_gate(root, command=[sys.executable, "-m", "pytest", "-q"])
    assert result.findings == ()
    assert (result.metrics["interpreter"], result.metrics["interpreter_from"]) == (
        sys.executable,
        "command",
    )


# 6. --coverage-data and --coverage-command on `gatekeeper check`


def test_cli_coverage_data_flag(tmp_path: Path) -> None:
    root = gap_project(tmp_path / "proj")
    measure(root)
    proc = run_cli(
        "check", "--gate", "coverage", "--coverage-data", ".coverage", "-f", "json", cwd=root
    )
    assert proc.returncode == 1, proc.stderr
    metrics = json.loads(proc.stdout)["gates"][0]["metrics"]
    assert (metrics["mode"], metrics["lines_total"], metrics["missed_lines"]) == ("data", 15, 7)


def test_cli_coverage_command_flag_overrides_policy_data(tmp_path: Path) -> None:
    root = gap_project(tmp_path / "proj")
    policy = '[tool.gatekeeper.coverage]\ndata = "missing.json"\n'
    write(root, {"pyproject.toml": PYPROJECT + policy})
    proc = run_cli(
        "check",
        str(root),
        "--gate",
        "coverage",
        "--coverage-command",
        "python -m pytest -q -k 'sign or loop'",
        "-f",
        "json",
    )
    assert proc.returncode == 1, proc.stderr
    metrics = json.loads(proc.stdout)["gates"][0]["metrics"]
    assert (metrics["mode"], metrics["files"], metrics["lines_total"]) == ("run", 3, 15)


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (["--coverage-command", "python -m 'pytest"], "--coverage-command: No closing quotation"),
        (["--coverage-command", "  "], "--coverage-command: give a command"),
        (["--coverage-command", "x", "--coverage-data", "y"], "not allowed with argument"),
    ],
)
def test_cli_bad_coverage_flags(tmp_path: Path, flags: list[str], message: str) -> None:
    root = full_project(tmp_path)
    proc = run_cli("check", str(root), "--gate", "coverage", *flags)
    assert proc.returncode == 2
    assert message in proc.stderr and "Traceback" not in proc.stderr


# 8. Deadlines, leftover children, and output of any size


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state not in ("Z", "X")


def wait_for(path: Path) -> int:
    for _ in range(200):
        if path.is_file() and path.read_text().strip():
            return int(path.read_text())
        time.sleep(0.05)
    raise AssertionError(f"{path} never written")


HANG = """\
import os, subprocess, sys, time
child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
open("child.pid", "w").write(str(child.pid))
time.sleep(600)
"""

FORK = """\
import os, time
import pkg.mod
pid = os.fork()
if pid == 0:
    time.sleep(600)  # keeps the inherited stdout open
    os._exit(0)
open("child.pid", "w").write(str(pid))
print("parent done")
"""


def test_a_hanging_command_is_killed_with_its_group(tmp_path: Path) -> None:
    root = full_project(tmp_path)
    write(root, {"hang.py": HANG, "pyproject.toml": "[tool.gatekeeper.coverage]\ntimeout_s = 2\n"})
    started = time.monotonic()
    proc = run_cli("check", str(root), "--gate", "coverage", "--coverage-command", "python hang.py")
    assert time.monotonic() - started < 60
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert (
        "policy: coverage.timeout_s: coverage.command did not finish within 2 s; its whole "
        "process group was killed" in proc.stdout
    )
    assert not alive(wait_for(root / "child.pid"))


def test_a_child_holding_stdout_open_does_not_block(tmp_path: Path, run_gate: RunGate) -> None:
    root = full_project(tmp_path)
    write(root, {"fork.py": FORK})
    started = time.monotonic()
    result = run_gate(root, command=["python", "fork.py"], timeout_s=300)
    assert time.monotonic() - started < 60
    assert result.metrics["lines_total"] == 4 and result.metrics["missed_lines"] == 3
    assert not alive(wait_for(root / "child.pid"))


LOUD = """\
import sys
import pkg.mod
line = b"x" * 1023 + b"\\n"
for _ in range(100 * 1024):
    sys.stdout.buffer.write(line)
print("the last line")
raise SystemExit(3)
"""


def test_output_of_any_size_costs_constant_memory(tmp_path: Path, run_gate: RunGate) -> None:
    """100 MiB of output; the gate keeps 10 lines and never holds the rest in memory."""
    root = full_project(tmp_path)
    write(root, {"loud.py": LOUD, "tests/test_mod.py": "def test_x():\n    pass\n"})
    tracemalloc.start()
    try:
        result = run_gate(root, command=["python", "loud.py"], branches=0, lines=0)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    (failed,) = [f for f in result.findings if f.rule_id == "GK-COV-006"]
    assert failed.data["exit_code"] == 3
    assert failed.data["output"][-1] == "the last line"
    assert len(failed.data["output"]) == 10
    assert peak < 8 * 1024 * 1024


def test_output_tail_reads_only_the_end(tmp_path: Path) -> None:
    log = tmp_path / "log"
    log.write_bytes(b"a" * 200_000 + b"\nlast \xff\n")
    assert output_tail(log) == ("a" * (64 * 1024 - 8), "last \ufffd")
    log.write_bytes(b"")
    assert output_tail(log) == ()


def test_coverage_steps_have_a_deadline(tmp_path: Path) -> None:
    root = full_project(tmp_path)
    measure(root)
    with pytest.raises(InputError, match="`coverage json` did not finish within 0.001 s"):
        export_json(root, root / ".coverage", tmp_path / "o.json", "label", 0.001)


@pytest.mark.parametrize("value", [0, -1])
def test_timeout_must_be_positive(value: float, tmp_path: Path) -> None:
    root = full_project(tmp_path)
    write(root, {"pyproject.toml": f"[tool.gatekeeper.coverage]\ntimeout_s = {value}\n"})
    proc = run_cli("check", str(root), "--gate", "coverage")
    assert proc.returncode == 2
    assert "coverage.timeout_s" in proc.stderr


def test_the_test_command_is_not_handed_gatekeepers_credentials(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The test command is the repository's (a pull request's) code: no GitHub or Vault token."""
    from gatekeeper.subprocesses import clean_env

    for name in (
        "GITHUB_TOKEN",
        "VAULT_TOKEN",
        "ACTIONS_ID_TOKEN_REQUEST_TOKEN",
        "COVERAGE_FILE",
        "DEVPI_PASSWORD",
        "DEVPI_TOKEN",
    ):
        monkeypatch.setenv(name, "ghs_" + "x" * 36)
    monkeypatch.setenv("PROJECT_SETTING", "kept")
    env = clean_env()
    assert "GITHUB_TOKEN" not in env and "VAULT_TOKEN" not in env
    assert "ACTIONS_ID_TOKEN_REQUEST_TOKEN" not in env and "COVERAGE_FILE" not in env
    assert "DEVPI_PASSWORD" not in env and "DEVPI_TOKEN" not in env
    assert env["PROJECT_SETTING"] == "kept"
