"""What gatekeeper writes to GitHub: the commit state, its one-line description, the comment.

The comment body is the markdown reporter's summary table behind a hidden marker, by which a
later run finds the comment again; it is cut to GitHub's limit with a note saying where the
rest is.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from gatekeeper.errors import EXIT_FAILED, EXIT_PASSED

if TYPE_CHECKING:
    from gatekeeper.model import Report

#: The first line of our comment: how a later run finds it.
MARKER = "<!-- gatekeeper:summary -->"
#: GitHub refuses a comment body longer than this (characters).
COMMENT_LIMIT = 65_536
#: GitHub refuses a check run summary longer than this (characters).
CHECK_SUMMARY_LIMIT = 65_535
#: GitHub's limit on a commit status description (characters).
DESCRIPTION_LIMIT = 140
CONTEXT = "gatekeeper"
#: Follows a cut made at a line end, so one more line end makes the blank line before it.
TRUNCATED = (
    "\n_The summary was cut to fit GitHub's limit; the job summary, the SARIF upload and "
    "the JSON report list every finding._\n"
)


def state(report: Report) -> str:
    """The commit status state: ``success``, ``failure`` (the policy failed) or ``error``
    (a gate could not run: exit 2, 3 or 4)."""
    if report.exit_code == EXIT_PASSED:
        return "success"
    return "failure" if report.exit_code == EXIT_FAILED else "error"


def description(report: Report) -> str:
    """One line within GitHub's 140 characters: verdict, blocking findings, gate counts."""
    s = report.summary
    text = (
        f"{report.verdict.value} (exit {report.exit_code}): {s.blocking} blocking of "
        f"{s.total} findings; gates {s.gates_passed} passed, {s.gates_failed} failed"
    )
    if s.gates_errored:
        text += f", {s.gates_errored} errored"
    if s.gates_skipped:
        text += f", {s.gates_skipped} skipped"
    return fit(text, DESCRIPTION_LIMIT, "…")


def fit(text: str, limit: int, note: str) -> str:
    """``text`` if it is at most ``limit`` characters, else cut at a line end (or anywhere, for
    one long line) so that it and ``note`` fit."""
    if len(text) <= limit:
        return text
    room = limit - len(note)
    cut = text.rfind("\n", 0, room) + 1  # keeping the line end
    head = text[: cut if cut > room // 2 else room]
    return head + note


def clean(report: Report) -> bool:
    """True when the run passed: the comment then only says so (the job summary still lists
    the findings that do not block)."""
    return report.exit_code == EXIT_PASSED


def markdown(report: Report) -> str:
    from gatekeeper.report import render

    return render(report, "markdown").rstrip() + "\n"


def comment_body(report: Report) -> str:
    """The PR comment: the marker, then the summary table, or a short all-clear."""
    if clean(report):
        return (
            f"{MARKER}\n## ✅ gatekeeper: all gates pass\n\n"
            f"Nothing blocks this pull request any more ({report.summary.total} findings, "
            "none blocking; the job summary lists them).\n"
        )
    return fit(f"{MARKER}\n{markdown(report)}", COMMENT_LIMIT, TRUNCATED)


def check_summary(report: Report) -> str:
    return fit(markdown(report), CHECK_SUMMARY_LIMIT, TRUNCATED)
