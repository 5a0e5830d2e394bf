from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Mapping
from pathlib import Path

import pytest

from gatekeeper.errors import (
    EXIT_BACKEND,
    EXIT_FAILED,
    EXIT_INPUT,
    EXIT_INTERNAL,
    EXIT_PASSED,
    BackendUnavailable,
    GatekeeperError,
    PolicyError,
    UsageError,
)
from gatekeeper.gates import GATES, load_gate
from gatekeeper.gates.interface import Gate, GateContext
from gatekeeper.model import ErrorKind, GateResult, Location, Severity, Status
from gatekeeper.policy.model import Policy
from gatekeeper.policy.validate import from_mapping
from gatekeeper.runner import run, select_gates
from tests.core.gates_for_tests import FixedGate, RaisingGate, finding
from tests.helpers import commit_all, init_repo

TODAY = dt.date(2026, 6, 1)


def policy(**data: object) -> Policy:
    return from_mapping(Policy, data)


def loader_for(gates: Mapping[str, Gate]):
    return lambda name: gates[name]


def test_select_gates_defaults_to_enabled_ones_in_registry_order() -> None:
    pol = policy(audit={"enabled": False})
    assert select_gates(pol) == [n for n in GATES if n != "audit"]
    assert select_gates(pol, ["certs", "coverage"]) == ["coverage", "certs"]


def test_select_gates_rejects_unknown_names() -> None:
    with pytest.raises(UsageError, match="unknown gate nope"):
        select_gates(policy(), ["nope"])


def test_load_gate_rejects_unknown() -> None:
    with pytest.raises(KeyError):
        load_gate("nope")


def test_passing_run(tmp_path: Path) -> None:
    gate = FixedGate(GateResult.ok([finding(severity=Severity.INFO)], pct=100.0))
    report = run(
        tmp_path, policy(), gates=["coverage"], loader=loader_for({"coverage": gate}), today=TODAY
    )
    assert report.verdict is Status.PASSED
    assert report.exit_code == EXIT_PASSED
    (gate_report,) = report.gates
    assert gate_report.status is Status.PASSED
    assert gate_report.metrics["pct"] == 100.0
    assert report.findings[0].blocking is False  # info never blocks
    assert report.summary.total == 1 and report.summary.blocking == 0
    assert report.summary.by_severity["info"] == 1
    assert gate_report.duration_s >= 0


def test_threshold_decides_blocking(tmp_path: Path) -> None:
    findings = [
        finding(severity=Severity.MEDIUM, key="m"),
        finding(severity=Severity.HIGH, key="h"),
    ]
    gate = FixedGate(GateResult.ok(findings))
    report = run(
        tmp_path,
        policy(audit={"fail_on": "high"}),
        gates=["audit"],
        loader=loader_for({"audit": gate}),
        today=TODAY,
    )
    blocking = {j.finding.message: j.blocking for j in report.findings}
    assert blocking == {"problem m": False, "problem h": True}
    assert report.exit_code == EXIT_FAILED
    assert report.verdict is Status.FAILED
    assert report.summary.gates_failed == 1


def test_dev_scope_does_not_fail_unless_policy_says(tmp_path: Path) -> None:
    dev = finding(severity=Severity.CRITICAL, scope="dev")
    loader = loader_for({"audit": FixedGate(GateResult.ok([dev]))})
    lenient = run(tmp_path, policy(), gates=["audit"], loader=loader, today=TODAY)
    assert lenient.exit_code == EXIT_PASSED and not lenient.findings[0].blocking
    strict = run(
        tmp_path, policy(audit={"fail_on_dev": True}), gates=["audit"], loader=loader, today=TODAY
    )
    assert strict.exit_code == EXIT_FAILED


def test_waivers_by_rule_alias_and_path(tmp_path: Path) -> None:
    findings = [
        finding(rule="GK-AUD-001", key="yaml", ids=("GHSA-8q59-q68h-6hv4", "CVE-2020-14343")),
        finding(rule="B602", key="shell", path="src/tool.py"),
        finding(rule="B602", key="shell2", path="other/tool.py"),
        finding(rule="B603", key="nopath", path=None),
    ]
    waivers = [
        {"id": "CVE-2020-14343", "reason": "not reachable", "expires": "2026-12-31"},
        {"id": "B602", "reason": "fixed argv", "expires": "2026-12-31", "path": "src/*"},
        {"id": "B603", "reason": "x", "expires": "2026-12-31", "path": "src/*"},
    ]
    report = run(
        tmp_path,
        policy(waiver=waivers),
        gates=["audit"],
        loader=loader_for({"audit": FixedGate(GateResult.ok(findings))}),
        today=TODAY,
    )
    judged = {j.finding.message: j for j in report.findings}
    assert judged["problem yaml"].waived_by == "CVE-2020-14343"
    assert not judged["problem yaml"].blocking
    assert judged["problem shell"].waived_by == "B602"
    assert judged["problem shell2"].waived_by is None and judged["problem shell2"].blocking
    assert judged["problem nopath"].waived_by is None  # a path waiver needs a location
    assert report.summary.waived == 2
    # Partial runs never call a waiver unused: the other gates might have matched it.
    assert [g.name for g in report.gates] == ["audit"]


def test_expired_and_reasonless_waivers_fail_and_do_not_waive(tmp_path: Path) -> None:
    findings = [finding(rule="GK-X-1", key="one"), finding(rule="GK-X-2", key="two")]
    waivers = [
        {"id": "GK-X-1", "reason": "old", "expires": "2026-05-31"},
        {"id": "GK-X-2", "reason": "  ", "expires": "2026-12-31"},
    ]
    report = run(
        tmp_path,
        policy(waiver=waivers),
        gates=["audit"],
        loader=loader_for({"audit": FixedGate(GateResult.ok(findings))}),
        today=TODAY,
    )
    assert all(j.waived_by is None and j.blocking for j in report.gates[0].findings)
    policy_gate = report.gates[-1]
    assert policy_gate.name == "policy"
    assert policy_gate.status is Status.FAILED
    rules = sorted(j.finding.rule_id for j in policy_gate.findings)
    assert rules == ["GK-POL-001", "GK-POL-002"]
    assert "expired on 2026-05-31" in policy_gate.findings[0].finding.message


def test_waiver_expiring_today_still_applies(tmp_path: Path) -> None:
    waivers = [{"id": "GK-TST-001", "reason": "ok", "expires": TODAY.isoformat()}]
    report = run(
        tmp_path,
        policy(waiver=waivers),
        gates=["audit"],
        loader=loader_for({"audit": FixedGate(GateResult.ok([finding()]))}),
        today=TODAY,
    )
    assert report.exit_code == EXIT_PASSED


def test_unused_waiver_is_reported_on_full_runs_only(tmp_path: Path) -> None:
    waivers = [{"id": "GHSA-unused", "reason": "gone", "expires": "2026-12-31"}]
    gates = {n: FixedGate(GateResult.ok()) for n in GATES}
    full = run(tmp_path, policy(waiver=waivers), loader=loader_for(gates), today=TODAY)
    (unused,) = full.gates[-1].findings
    assert unused.finding.rule_id == "GK-POL-003"
    assert unused.finding.severity is Severity.INFO and not unused.blocking
    assert full.exit_code == EXIT_PASSED
    partial = run(
        tmp_path, policy(waiver=waivers), gates=["audit"], loader=loader_for(gates), today=TODAY
    )
    assert [g.name for g in partial.gates] == ["audit"]


def test_unused_waiver_not_reported_when_a_gate_skipped(tmp_path: Path) -> None:
    waivers = [{"id": "GHSA-unused", "reason": "gone", "expires": "2026-12-31"}]
    gates: dict[str, Gate] = {n: FixedGate(GateResult.ok()) for n in GATES}
    gates["certs"] = FixedGate(GateResult.skip("no certs/ directory"))
    report = run(tmp_path, policy(waiver=waivers), loader=loader_for(gates), today=TODAY)
    assert "policy" not in [g.name for g in report.gates]
    skipped = next(g for g in report.gates if g.name == "certs")
    assert skipped.status is Status.SKIPPED and skipped.reason == "no certs/ directory"
    assert report.summary.gates_skipped == 1


@pytest.mark.parametrize(
    ("exc", "kind", "code"),
    [
        (PolicyError("bad", path="p.toml", line=3), ErrorKind.INPUT, EXIT_INPUT),
        (UsageError("bad usage"), ErrorKind.INPUT, EXIT_INPUT),
        (BackendUnavailable("vault down"), ErrorKind.BACKEND, EXIT_BACKEND),
        (GatekeeperError("odd"), ErrorKind.INTERNAL, EXIT_INTERNAL),
        (ZeroDivisionError("boom"), ErrorKind.INTERNAL, EXIT_INTERNAL),
    ],
)
def test_a_crashing_gate_errors_and_never_passes(
    tmp_path: Path, exc: BaseException, kind: ErrorKind, code: int
) -> None:
    report = run(
        tmp_path,
        policy(),
        gates=["coverage"],
        loader=loader_for({"coverage": RaisingGate(exc)}),
        today=TODAY,
    )
    (gate,) = report.gates
    assert gate.status is Status.ERRORED
    assert gate.error_kind is kind
    assert report.exit_code == code
    assert report.verdict is Status.FAILED
    assert report.summary.gates_errored == 1
    if isinstance(exc, ZeroDivisionError):
        assert gate.reason == "gate crashed: ZeroDivisionError: boom"
    if isinstance(exc, PolicyError):
        assert gate.reason == "p.toml:3: bad"


def test_errored_result_value_and_exit_code_priority(tmp_path: Path) -> None:
    gates: dict[str, Gate] = {
        "coverage": FixedGate(GateResult.errored("data unreadable", ErrorKind.INPUT)),
        "audit": FixedGate(GateResult.errored("osv down", ErrorKind.BACKEND)),
        "config": FixedGate(GateResult(error="no kind given")),
        "certs": FixedGate(GateResult.ok([finding()])),
    }
    report = run(tmp_path, policy(), loader=loader_for(gates), today=TODAY)
    assert report.exit_code == EXIT_INPUT  # input errors first: the user must fix them
    config = next(g for g in report.gates if g.name == "config")
    assert config.error_kind is ErrorKind.INTERNAL
    gates["coverage"] = FixedGate(GateResult.ok())
    assert run(tmp_path, policy(), loader=loader_for(gates), today=TODAY).exit_code == EXIT_BACKEND
    gates["audit"] = FixedGate(GateResult.ok())
    assert run(tmp_path, policy(), loader=loader_for(gates), today=TODAY).exit_code == EXIT_INTERNAL


@pytest.mark.slow
def test_pr_mode_marks_pre_existing(tmp_path: Path) -> None:
    repo = init_repo(tmp_path / "repo")
    (repo / "f").write_text("x")
    commit_all(repo)
    old, new = finding(key="old"), finding(key="new")
    gate = FixedGate(GateResult.ok([old, new]), baseline={old.fingerprint: 1})
    report = run(
        repo,
        policy(),
        gates=["audit"],
        base_ref="main",
        loader=loader_for({"audit": gate}),
        today=TODAY,
    )
    judged = {j.finding.message: j for j in report.findings}
    assert judged["problem old"].pre_existing and not judged["problem old"].blocking
    assert judged["problem new"].blocking and not judged["problem new"].pre_existing
    assert report.base_ref == "main"
    assert report.summary.pre_existing == 1
    assert report.exit_code == EXIT_FAILED


@pytest.mark.slow
def test_pr_mode_without_baseline_support_counts_everything_new(tmp_path: Path) -> None:
    repo = init_repo(tmp_path / "repo")
    (repo / "f").write_text("x")
    commit_all(repo)
    gate = FixedGate(GateResult.ok([finding()]), baseline=None)
    report = run(
        repo,
        policy(),
        gates=["audit"],
        base_ref="main",
        loader=loader_for({"audit": gate}),
        today=TODAY,
    )
    assert report.findings[0].blocking


@pytest.mark.slow
def test_no_baseline_for_skipped_gates(tmp_path: Path) -> None:
    repo = init_repo(tmp_path / "repo")
    (repo / "f").write_text("x")
    commit_all(repo)
    gate = FixedGate(GateResult.skip("nothing to audit"), baseline={})
    report = run(
        repo,
        policy(),
        gates=["audit"],
        base_ref="main",
        loader=loader_for({"audit": gate}),
        today=TODAY,
    )
    assert gate.baseline_calls == 0
    assert report.gates[0].status is Status.SKIPPED


@pytest.mark.slow
def test_unknown_base_ref_is_a_usage_error_before_gates_run(tmp_path: Path) -> None:
    repo = init_repo(tmp_path / "repo")
    (repo / "f").write_text("x")
    commit_all(repo)
    gate = FixedGate(GateResult.ok())
    with pytest.raises(UsageError, match="unknown git ref 'nope'"):
        run(repo, policy(), gates=["audit"], base_ref="nope", loader=loader_for({"audit": gate}))


def test_base_gate_has_no_baseline(tmp_path: Path) -> None:
    class Plain(Gate):
        name = "plain"
        description = "no baseline override"

        def run(self, ctx: GateContext) -> GateResult:
            return GateResult.ok()

    ctx = GateContext(tmp_path, policy(), git=None, base_ref="main")  # type: ignore[arg-type]
    assert Plain().baseline(ctx) is None
    assert Plain().run(ctx) == GateResult.ok()


def test_progress_reports_each_gate(tmp_path: Path) -> None:
    seen: list[tuple[str, str]] = []
    gates: dict[str, Gate] = {
        "coverage": FixedGate(GateResult.ok([finding()])),
        "audit": FixedGate(GateResult.skip("no lockfiles")),
        "config": RaisingGate(ValueError("x")),
    }
    run(
        tmp_path,
        policy(),
        gates=["coverage", "audit", "config"],
        loader=loader_for(gates),
        progress=lambda name, outcome: seen.append((name, outcome)),
    )
    outcomes = dict(seen)
    assert outcomes["coverage"].startswith("1 finding(s) in ")
    assert outcomes["audit"] == "skipped: no lockfiles"
    assert outcomes["config"].startswith("errored after ")


@pytest.mark.parametrize("gates", [["coverage"], ["coverage", "audit", "config"]])
@pytest.mark.parametrize("exc", [SystemExit(0), SystemExit("bye"), GeneratorExit()])
def test_a_gate_ending_the_program_is_an_errored_gate_in_and_out_of_threads(
    tmp_path: Path, exc: BaseException, gates: list[str]
) -> None:
    loaders: dict[str, Gate] = {
        "coverage": RaisingGate(exc),
        "audit": FixedGate(GateResult.ok([finding()])),
        "config": FixedGate(GateResult.ok()),
    }
    report = run(tmp_path, policy(), gates=gates, loader=loader_for(loaders), today=TODAY)
    coverage = next(g for g in report.gates if g.name == "coverage")
    assert coverage.status is Status.ERRORED
    assert report.exit_code == EXIT_INTERNAL
    if isinstance(exc, SystemExit):
        assert (
            coverage.reason == f"gate ended early: something it ran called sys.exit({exc.code!r})"
        )
    if len(gates) > 1:  # the other gates' findings are still in the report
        audit = next(g for g in report.gates if g.name == "audit")
        assert audit.status is Status.FAILED


def test_ctrl_c_in_the_main_thread_stops_the_run_but_raised_in_a_worker_is_an_error(
    tmp_path: Path,
) -> None:
    loaders: dict[str, Gate] = {
        "coverage": RaisingGate(KeyboardInterrupt()),
        "audit": FixedGate(GateResult.ok()),
    }
    with pytest.raises(KeyboardInterrupt):  # one gate runs in the main thread: a real Ctrl-C
        run(tmp_path, policy(), gates=["coverage"], loader=loader_for(loaders), today=TODAY)
    report = run(
        tmp_path, policy(), gates=["coverage", "audit"], loader=loader_for(loaders), today=TODAY
    )
    assert report.gates[0].status is Status.ERRORED
    assert report.gates[0].reason == "gate crashed: KeyboardInterrupt: "


def test_pr_mode_counts_n_at_the_base_mark_at_most_n_pre_existing() -> None:
    """The runner's rule (no git: judged directly): a fingerprint the base had twice marks two
    of today's three pre-existing, those at the earliest places; the third, later, fails."""
    import dataclasses

    from gatekeeper.runner import _Raw, judge

    same = [dataclasses.replace(finding(), location=Location("a.py", line)) for line in (9, 4, 6)]
    other = finding(key="other")
    raw = _Raw("audit", GateResult.ok([*same, other]), {same[0].fingerprint: 2, "gone": 3}, 0.0)
    # waivers of other rules change nothing (their loop must not disturb the count)
    waivers = [
        {"id": f"GK-OTH-00{n}", "reason": "other", "expires": "2026-12-31"} for n in range(5)
    ]
    (report,) = judge([raw], policy(waiver=waivers), TODAY, full_run=False)
    marks = [(str(j.finding.location), j.pre_existing, j.blocking) for j in report.findings]
    assert marks == [
        ("a.py:9", False, True),
        ("a.py:4", True, False),
        ("a.py:6", True, False),
        ("src/app.py:3:1", False, True),
    ]
    assert report.status is Status.FAILED
    # with the section's counted baseline accepting the same one, nothing more is hidden
    both = dataclasses.replace(raw, hidden=Counter({same[0].fingerprint: 1}))
    (again,) = judge([both], policy(), TODAY, full_run=False)
    assert [j.pre_existing for j in again.findings] == [False, True, True, False]
    (none,) = judge([dataclasses.replace(raw, baseline=None)], policy(), TODAY, full_run=False)
    assert not any(j.pre_existing for j in none.findings)
