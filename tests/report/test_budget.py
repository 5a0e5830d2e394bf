"""GitHub's limits: 10 annotations of each level per step, and a job summary under 1 MiB."""

from __future__ import annotations

import dataclasses

import pytest
from markdown_it import MarkdownIt

from gatekeeper.model import (
    ErrorKind,
    Finding,
    GateReport,
    JudgedFinding,
    Location,
    Report,
    Severity,
    Status,
)
from gatekeeper.report import render
from gatekeeper.report.github import PER_LEVEL, budget_note, plan, step_summary
from gatekeeper.report.markdown import MAX_BYTES, MAX_CELL, MAX_ROWS, cell
from gatekeeper.report.ranking import on_changed_line, rank_key, top
from gatekeeper.runner import summarize
from tests.report.conftest import failing_report

MIB = 1 << 20
SEVERITIES = list(Severity)


def judged(
    n: int,
    *,
    blocking: bool = False,
    severity: Severity = Severity.MEDIUM,
    changed: bool | None = None,
    location: Location | None = None,
    message: str | None = None,
    waived: bool = False,
) -> JudgedFinding:
    data = {} if changed is None else {"changed": changed}
    finding = Finding(
        rule_id="GK-TST-001",
        severity=severity,
        message=message if message is not None else f"problem {n}",
        fingerprint=f"fp{n:08d}",
        location=location if location is not None else Location(f"src/m{n % 97}.py", n + 1),
        help_uri="https://gatekeeper.internal/docs/rules#GK-TST-001",
        title="Test rule",
        data=data,
    )
    return JudgedFinding(finding, blocking, "W-1" if waived else None)


def report_of(*gates: GateReport) -> Report:
    """A report whose summary the runner computed, as in a real run."""
    return Report(Status.FAILED, 1, gates, "1.2.3", "/repo", summary=summarize(gates))


def generated(count: int) -> Report:
    """``count`` findings of every severity and disposition, a third blocking."""
    findings = tuple(
        judged(
            n,
            blocking=n % 3 == 0 and SEVERITIES[n % 5] is not Severity.INFO,
            severity=SEVERITIES[n % 5],
            changed=n % 7 == 0,
            waived=n % 11 == 0,
        )
        for n in range(count)
    )
    return report_of(GateReport("coverage", Status.FAILED, findings))


# ------------------------------------------------------------------------------------ ranking


def test_changed_line_is_what_pr_mode_marks() -> None:
    assert on_changed_line(judged(1, changed=True).finding)
    assert not on_changed_line(judged(1, changed=False).finding)
    assert not on_changed_line(judged(1).finding)


def test_rank_order_blocking_changed_severity_location() -> None:
    items = {
        "blocking low": judged(1, blocking=True, severity=Severity.LOW),
        "changed info": judged(2, severity=Severity.INFO, changed=True),
        "critical": judged(3, severity=Severity.CRITICAL),
        "high b.py:1": judged(4, severity=Severity.HIGH, location=Location("b.py", 1)),
        "high a.py:9": judged(5, severity=Severity.HIGH, location=Location("a.py", 9)),
        "high a.py:10:2": judged(6, severity=Severity.HIGH, location=Location("a.py", 10, 2)),
        "high a.py": judged(7, severity=Severity.HIGH, location=Location("a.py")),
        "high, no location": judged(8, severity=Severity.HIGH, location=Location("")),
    }
    nowhere = dataclasses.replace(items["high, no location"].finding, location=None)
    items["high, no location"] = dataclasses.replace(items["high, no location"], finding=nowhere)
    order = sorted(items, key=lambda k: rank_key(("gate", items[k])))
    assert order == [
        "blocking low",
        "changed info",
        "critical",
        "high a.py",
        "high a.py:9",
        "high a.py:10:2",
        "high b.py:1",
        "high, no location",
    ]


def test_rank_ties_break_on_gate_then_fingerprint() -> None:
    same = judged(1)
    assert rank_key(("audit", same)) < rank_key(("coverage", same))
    other = dataclasses.replace(same, finding=dataclasses.replace(same.finding, fingerprint="z"))
    assert rank_key(("audit", same)) < rank_key(("audit", other))


def test_top_is_the_sorted_prefix() -> None:
    items = [("g", judged(n, severity=SEVERITIES[n % 5], changed=n % 4 == 0)) for n in range(500)]
    assert top(items, 25) == sorted(items, key=rank_key)[:25]
    assert top(iter(items), 0) == [] and top(items, -3) == []


# --------------------------------------------------------------------------- annotation budget


def test_plan_keeps_each_level_within_the_budget() -> None:
    gate = GateReport(
        "coverage",
        Status.FAILED,
        (
            *(judged(n, blocking=True) for n in range(15)),
            *(judged(100 + n, severity=Severity.LOW) for n in range(3)),
            *(judged(200 + n, severity=Severity.INFO) for n in range(40)),
        ),
    )
    errored = tuple(
        GateReport(f"g{n}", Status.ERRORED, reason="broken", error_kind=ErrorKind.INPUT)
        for n in range(2)
    )
    annotations = plan(report_of(gate, *errored))
    levels = [line.split(" ", 1)[0].split("::")[1] for line in annotations.commands]
    assert levels == ["error"] * PER_LEVEL + ["warning"] * 3 + ["notice"] * PER_LEVEL
    assert annotations.commands[0] == "::error title=gate g0 errored::broken"  # gates first
    assert annotations.commands[1] == "::error title=gate g1 errored::broken"
    assert annotations.left_out == {"error": 7, "warning": 0, "notice": 30}
    assert annotations.findings_shown == 8 + 3 + 10 and annotations.total_left_out == 37
    # the errors annotated are the first-ranked of the blocking findings
    shown = [line for line in annotations.commands[2:PER_LEVEL] if "problem" in line]
    assert [line.rsplit("::", 1)[1] for line in shown] == [
        f"problem {n}" for n in sorted(range(15), key=lambda n: (f"src/m{n}.py", n + 1))[:8]
    ]


def test_more_gate_commands_than_the_budget() -> None:
    skipped = tuple(GateReport(f"g{n:02d}", Status.SKIPPED, reason="n/a") for n in range(12))
    annotations = plan(report_of(*skipped, GateReport("x", Status.PASSED, (judged(1),))))
    assert len(annotations.commands) == PER_LEVEL + 1  # the warning, then 10 notices
    assert annotations.left_out == {"error": 0, "warning": 0, "notice": 0}


def test_within_budget_everything_is_annotated_and_nothing_said() -> None:
    report = failing_report()
    annotations = plan(report)
    assert annotations.total_left_out == 0 and annotations.findings_shown == 7
    assert budget_note(report, annotations) == ""
    assert step_summary(report) == render(report, "markdown")
    assert "not annotated" not in render(report, "github")


def test_over_budget_the_log_and_the_summary_say_how_many_more() -> None:
    report = generated(1000)
    lines = render(report, "github").splitlines()
    assert len(lines) == 3 * PER_LEVEL + 1
    assert lines[-1] == (
        "gatekeeper: 970 more finding(s) are not annotated (GitHub shows 10 of each level per "
        "step); see the job summary and the SARIF report"
    )
    summary = step_summary(report)
    assert summary.startswith(render(report, "markdown"))
    note = summary.split("### Annotations\n\n", 1)[1]
    counts = plan(report).left_out
    assert note.startswith(
        "GitHub shows at most 10 annotations of each level per step, so 30 of the 1000 findings "
        "are annotated on the diff (blocking first, then those on changed lines, then by "
        f"severity); 970 more are not ({counts['error']} errors, {counts['warning']} warnings, "
        f"{counts['notice']} notices)."
    )
    assert "SARIF report (code scanning) and the JSON report list every finding." in note


def test_budget_note_counts_come_from_the_summary() -> None:
    report = generated(40)
    report = dataclasses.replace(
        report, summary=dataclasses.replace(report.summary, total=12345)
    )  # a summary is the one source of the totals shown
    note = budget_note(report, plan(report))
    assert "30 of the 12345 findings" in note and "12315 more are not" in note
    one = plan(report_of(GateReport("g", Status.PASSED, tuple(judged(n) for n in range(11)))))
    assert "(1 warning)" in budget_note(report, one)


# ------------------------------------------------------------------------- job summary size


def _tables(text: str) -> list[int]:
    """Body rows of each table, as a CommonMark+tables parser sees the document."""
    tokens = MarkdownIt("commonmark").enable("table").parse(text)
    rows: list[int] = []
    in_body = False
    for token in tokens:
        if token.type in ("tbody_open", "tbody_close"):
            in_body = token.type == "tbody_open"
            rows += [0] if in_body else []
        elif token.type == "tr_open" and in_body:
            rows[-1] += 1
    return rows


@pytest.mark.slow  # renders 100,000 findings
def test_100k_findings_stay_under_the_limit() -> None:
    report = generated(100_000)
    s = report.summary
    text = step_summary(report)
    size = len(text.encode())
    assert size < MIB and len(render(report, "markdown").encode()) <= MAX_BYTES
    assert _tables(text) == [1, MAX_ROWS, MAX_ROWS]  # gates, blocking, the rest: all well formed
    assert text.count("<details>") == text.count("</details>") == 1
    assert (
        f"_{s.blocking - MAX_ROWS} more of these {s.blocking} findings are not listed here (a job "
        "summary is limited to 1 MiB); the SARIF and JSON reports list every finding._" in text
    )
    rest = s.total - s.blocking
    assert f"_{rest - MAX_ROWS} more of these {rest} findings are not listed here" in text
    assert "### Annotations" in text


def test_long_messages_are_cut_and_the_bytes_bounded() -> None:
    assert cell("x" * (MAX_CELL + 50)) == "x" * (MAX_CELL - 1) + "…"
    assert cell("x" * MAX_CELL) == "x" * MAX_CELL
    # '&' becomes '&amp;': each row is about 5 KB, so bytes run out before MAX_ROWS does
    noisy = "&" * (MAX_CELL * 2)
    findings = tuple(judged(n, blocking=True, message=noisy) for n in range(MAX_ROWS))
    findings += tuple(judged(1000 + n, message=noisy) for n in range(MAX_ROWS))
    text = render(report_of(GateReport("g", Status.FAILED, findings)), "markdown")
    assert len(text.encode()) <= MAX_BYTES
    blocking, rest = _tables(text)[1:]
    assert 0 < blocking < MAX_ROWS and rest < MAX_ROWS
    assert f"_{MAX_ROWS - blocking} more of these {MAX_ROWS} findings are not listed" in text
    assert f"_{MAX_ROWS - rest} more of these {MAX_ROWS} findings are not listed" in text
    assert "&amp;" * (MAX_CELL - 1) + "…" in text
