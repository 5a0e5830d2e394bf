"""The status description and the comment body: GitHub's limits, the marker, the states."""

from __future__ import annotations

from dataclasses import replace

from gatekeeper.github import summary
from tests.report.conftest import failing_report, passing_report


def test_states() -> None:
    assert summary.state(passing_report()) == "success"
    assert summary.state(replace(failing_report(), exit_code=1)) == "failure"
    for code in (2, 3, 4):
        assert summary.state(replace(failing_report(), exit_code=code)) == "error"


def test_the_description_counts_every_gate_status() -> None:
    text = summary.description(failing_report())
    assert text.startswith("failed (exit 2): 2 blocking of 7 findings; gates ")
    assert "errored" in text and "skipped" in text and len(text) <= 140


def test_fit() -> None:
    assert summary.fit("short", 10, "…") == "short"
    assert summary.fit("x" * 200, 140, "…") == "x" * 139 + "…"
    lines = "line\n" * 100
    cut = summary.fit(lines, 52, "[cut]")
    assert cut == "line\n" * 9 + "[cut]" and len(cut) <= 52
    # A line end too early to keep half the room is not used: the text is cut mid-line.
    assert summary.fit("a\n" + "b" * 100, 50, "!") == ("a\n" + "b" * 100)[:49] + "!"


def test_the_comment_starts_with_the_marker() -> None:
    assert summary.comment_body(failing_report()).startswith(summary.MARKER + "\n## ❌")
    clean = summary.comment_body(passing_report())
    assert clean.startswith(summary.MARKER + "\n## ✅ gatekeeper: all gates pass")
    assert summary.check_summary(failing_report()).startswith("## ❌ gatekeeper: failed")
