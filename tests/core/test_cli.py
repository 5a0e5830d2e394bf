"""The console script's contract: exit codes and one-line errors, never a traceback."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

import gatekeeper
from gatekeeper import cli
from gatekeeper.cli import check, common
from gatekeeper.cli.common import Output, parse_output, resolve_outputs
from gatekeeper.errors import UsageError
from tests.helpers import commit_all, git, init_repo, run_cli


def assert_clean_error(proc, code: int, *needles: str) -> None:
    assert proc.returncode == code, proc.stderr
    assert "Traceback" not in proc.stderr
    error_lines = [line for line in proc.stderr.splitlines() if "error" in line]
    assert error_lines, proc.stderr
    for needle in needles:
        assert needle in proc.stderr, proc.stderr


@pytest.mark.slow
def test_version_and_help() -> None:
    proc = run_cli("--version")
    assert proc.returncode == 0
    assert proc.stdout.strip() == f"gatekeeper {gatekeeper.__version__}"
    proc = run_cli("check", "--help")
    assert proc.returncode == 0
    assert "--base REF" in proc.stdout and "--gate NAME" in proc.stdout


@pytest.mark.slow
def test_no_command_is_a_usage_error() -> None:
    assert_clean_error(run_cli(), 2, "required: COMMAND")


@pytest.mark.slow
def test_malformed_policy_exits_2(tmp_path: Path) -> None:
    bad = tmp_path / "policy.toml"
    bad.write_text("[audit\n")
    proc = run_cli("check", str(tmp_path), "--policy", str(bad))
    assert_clean_error(proc, 2, f"{bad}:1: malformed TOML")


@pytest.mark.slow
def test_policy_from_environment(tmp_path: Path) -> None:
    bad = tmp_path / "policy.toml"
    bad.write_text("[audit]\nfail_onn = 'high'\n")
    proc = run_cli("check", str(tmp_path), env={"GATEKEEPER_POLICY": str(bad)})
    assert_clean_error(proc, 2, "policy file from GATEKEEPER_POLICY", "audit.fail_onn: unknown key")


@pytest.mark.slow
def test_waiver_without_expiry_exits_2(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[tool.gatekeeper]\n[[tool.gatekeeper.waiver]]\nid = "CVE-1"\nreason = "r"\n'
    )
    proc = run_cli("check", str(tmp_path))
    assert_clean_error(proc, 2, "pyproject.toml:2: waiver.0.expires: required key is missing")


@pytest.mark.slow
def test_format_into_missing_directory_exits_2(tmp_path: Path) -> None:
    target = tmp_path / "nope" / "r.json"
    proc = run_cli("check", str(tmp_path), "--format", f"json={target}")
    assert_clean_error(proc, 2, f"{target}: directory", "does not exist")


@pytest.mark.slow
def test_unknown_gate_and_format_exit_2(tmp_path: Path) -> None:
    assert_clean_error(run_cli("check", str(tmp_path), "--gate", "nope"), 2, "invalid choice")
    assert_clean_error(run_cli("check", str(tmp_path), "-f", "yaml"), 2, "unknown format 'yaml'")
    assert_clean_error(run_cli("check", str(tmp_path), "-f", "json="), 2, "give a file after")


@pytest.mark.slow
def test_path_must_be_a_directory(tmp_path: Path) -> None:
    proc = run_cli("check", str(tmp_path / "missing"))
    assert_clean_error(proc, 2, "not a directory")


@pytest.mark.slow
def test_bad_format_environment_variable(tmp_path: Path) -> None:
    proc = run_cli("check", str(tmp_path), env={"GATEKEEPER_FORMAT": "json,xml"})
    assert_clean_error(proc, 2, "GATEKEEPER_FORMAT: unknown format 'xml'")


@pytest.mark.slow
def test_unknown_base_ref_exits_2(tmp_path: Path) -> None:
    repo = init_repo(tmp_path / "repo")
    (repo / "x.txt").write_text("x")
    commit_all(repo)
    proc = run_cli("check", str(repo), "--base", "origin/nope", "--gate", "certs")
    assert_clean_error(proc, 2, "unknown git ref 'origin/nope'", "git fetch")
    proc = run_cli("check", str(repo), "--base=--output=x", "--gate", "certs")
    assert_clean_error(proc, 2, "invalid git ref")


@pytest.mark.slow
def test_pr_mode_in_a_shallow_clone_without_the_base_exits_2(tmp_path: Path) -> None:
    upstream = init_repo(tmp_path / "upstream")
    (upstream / "x.txt").write_text("x")
    commit_all(upstream)
    git(upstream, "checkout", "-q", "-b", "feature")
    git(upstream, "commit", "-q", "--allow-empty", "-m", "feature")
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", "--depth", "1", "-b", "feature", upstream.as_uri(), str(clone))
    proc = run_cli("check", str(clone), "--base", "origin/main", "--gate", "certs")
    assert_clean_error(proc, 2, "'origin/main' is not in this shallow clone", "fetch-depth: 0")


# ----------------------------------------------------------------- in-process: output plumbing


def test_parse_output() -> None:
    assert parse_output("JSON") == Output("json")
    assert parse_output("sarif=out.sarif") == Output("sarif", Path("out.sarif"))
    with pytest.raises(argparse.ArgumentTypeError):
        parse_output("sarif=/nonexistent-dir/x")


def test_resolve_outputs(capsys: pytest.CaptureFixture[str]) -> None:
    assert resolve_outputs(None, {}) == [Output("text")]
    assert resolve_outputs([Output("json")], {"GITHUB_ACTIONS": "false"}) == [Output("json")]
    in_actions = resolve_outputs([Output("text")], {"GITHUB_ACTIONS": "true"})
    assert in_actions == [Output("text"), Output("github")]
    assert resolve_outputs([Output("github")], {"GITHUB_ACTIONS": "true"}) == [Output("github")]
    assert resolve_outputs(None, {"GATEKEEPER_FORMAT": "markdown, json=r.json"}) == [
        Output("markdown"),
        Output("json", Path("r.json")),
    ]
    assert "formats from GATEKEEPER_FORMAT" in capsys.readouterr().err
    with pytest.raises(UsageError, match="would share stdout"):
        resolve_outputs([Output("json"), Output("text")], {})
    with pytest.raises(UsageError, match="would share stdout"):
        resolve_outputs([Output("sarif")], {"GITHUB_ACTIONS": "true"})


def _main_with_handler(monkeypatch: pytest.MonkeyPatch, handler) -> int:
    monkeypatch.setattr(check, "run_gates", lambda *args, **kwargs: handler(args))
    return cli.main(["check", "."])


def test_main_maps_unexpected_exceptions_to_exit_4(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def boom(args: argparse.Namespace) -> int:
        raise RuntimeError("kaput")

    monkeypatch.delenv("GATEKEEPER_DEBUG", raising=False)
    assert _main_with_handler(monkeypatch, boom) == 4
    err = capsys.readouterr().err
    assert "internal error: RuntimeError: kaput" in err and "GATEKEEPER_DEBUG=1" in err
    monkeypatch.setenv("GATEKEEPER_DEBUG", "1")
    with pytest.raises(RuntimeError, match="kaput"):
        _main_with_handler(monkeypatch, boom)


def test_main_interrupt(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def interrupted(args: argparse.Namespace) -> int:
        raise KeyboardInterrupt

    assert _main_with_handler(monkeypatch, interrupted) == 130
    assert "interrupted" in capsys.readouterr().err


def test_main_maps_os_errors_on_a_path_to_exit_2(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def denied(args: object) -> int:
        raise PermissionError(13, "Permission denied", "/repo/certs")

    def pathless(args: object) -> int:
        raise OSError(28, "No space left on device")

    monkeypatch.delenv("GATEKEEPER_DEBUG", raising=False)
    assert _main_with_handler(monkeypatch, denied) == 2
    assert "gatekeeper: error: /repo/certs: Permission denied" in capsys.readouterr().err
    assert _main_with_handler(monkeypatch, pathless) == 4
    assert "internal error: OSError" in capsys.readouterr().err


@pytest.mark.parametrize("code", [0, None, 1, 3, "bye"])
def test_main_a_systemexit_inside_a_command_is_never_a_pass(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], code: object
) -> None:
    """A library's ``sys.exit(0)`` inside a command once ended the run with exit 0."""

    def exits(args: argparse.Namespace) -> int:
        raise SystemExit(code)

    monkeypatch.setenv("GATEKEEPER_DEBUG", "1")  # not re-raised even then: that would pass
    assert _main_with_handler(monkeypatch, exits) == 4
    err = capsys.readouterr().err
    assert f"internal error: the command ended with SystemExit({code!r})" in err
    assert len(err.splitlines()) == 1


def test_main_an_argparse_usage_error_inside_a_command_stays_2(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def usage(args: argparse.Namespace) -> int:
        argparse.ArgumentParser(prog="gatekeeper x").error("bad value")

    assert _main_with_handler(monkeypatch, usage) == 2
    assert "gatekeeper x: error: bad value" in capsys.readouterr().err


def test_main_returns_handler_code(monkeypatch: pytest.MonkeyPatch) -> None:
    assert _main_with_handler(monkeypatch, lambda args: 0) == 0


def test_main_argparse_exit_without_int_code(monkeypatch: pytest.MonkeyPatch) -> None:
    def parse_args(self: argparse.ArgumentParser, argv: object = None) -> None:
        raise SystemExit("message")

    monkeypatch.setattr(argparse.ArgumentParser, "parse_args", parse_args)
    assert cli.main(["check"]) == 2


def test_write_errors_name_the_file(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="cannot write report"):
        common._write(tmp_path, "x", "w")  # a directory cannot be opened for writing


@pytest.mark.slow
def test_check_end_to_end_writes_every_output(tmp_path: Path) -> None:
    import json

    repo = tmp_path / "repo"
    (repo / "certs").mkdir(parents=True)  # no certificate yet: the certs gate runs and passes
    summary = tmp_path / "summary.md"
    summary.write_text("earlier step\n")
    report_file = tmp_path / "report.json"
    proc = run_cli(
        "check",
        str(repo),
        "--gate",
        "certs",
        "--format",
        f"json={report_file}",
        env={"GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": str(summary)},
    )
    assert proc.returncode == 0, proc.stderr
    data = json.loads(report_file.read_text())
    assert data["verdict"] == "passed" and data["exit_code"] == 0
    assert [g["name"] for g in data["gates"]] == ["certs"]
    assert data["gates"][0]["status"] == "passed"
    assert summary.read_text().startswith("earlier step\n")  # appended, never truncated
    assert "certs" in summary.read_text()
    assert f"json report written to {report_file}" in proc.stderr
    assert "PASSED: gates 1 passed, 0 failed" in proc.stderr
    assert "certs: 0 finding(s)" in proc.stderr


def test_summary_mentions_errored_gates(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    from gatekeeper.model import GateReport, Report, Status
    from gatekeeper.runner import summarize

    gates = (GateReport("audit", Status.ERRORED, reason="db missing"),)
    report = Report(Status.FAILED, 2, gates, "0", str(tmp_path), summary=summarize(gates))
    common.print_summary(report)
    assert "1 errored" in capsys.readouterr().err
    common.emit(report, [Output("markdown", tmp_path / "r.md")], {"GITHUB_STEP_SUMMARY": "x"})
    assert "audit" in (tmp_path / "r.md").read_text()
    assert not Path("x").exists()  # no github output requested: no step summary


def test_step_summary_says_what_the_annotation_budget_left_out(tmp_path: Path) -> None:
    from gatekeeper.model import Finding, GateReport, JudgedFinding, Report, Severity, Status
    from gatekeeper.runner import summarize

    findings = tuple(
        JudgedFinding(Finding("GK-X-001", Severity.HIGH, f"m{n}", f"fp{n}"), blocking=True)
        for n in range(12)
    )
    gates = (GateReport("audit", Status.FAILED, findings),)
    report = Report(Status.FAILED, 1, gates, "0", str(tmp_path), summary=summarize(gates))
    summary = tmp_path / "summary.md"
    env = {"GITHUB_STEP_SUMMARY": str(summary)}
    common.emit(report, [Output("github", tmp_path / "gh.txt")], env)
    assert (tmp_path / "gh.txt").read_text().count("::error") == 10
    text = summary.read_text()
    assert text.startswith("## ❌ gatekeeper: failed (exit 1)")
    assert "10 of the 12 findings are annotated" in text and "(2 errors)" in text
