"""A markdown job summary: one table row per gate, then the blocking findings.

Written to ``$GITHUB_STEP_SUMMARY`` by the CLI inside GitHub Actions, and usable as a PR comment.
Findings that do not block are listed in a collapsed section. Each table lists at most
``MAX_ROWS`` findings (GitHub caps a job summary at 1 MiB) and says when it stops early.
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

from gatekeeper.model import Status
from gatekeeper.report.interface import Reporter, disposition, metric_text

if TYPE_CHECKING:
    from gatekeeper.model import JudgedFinding, Report

#: Rows per findings table; GitHub refuses a job summary larger than 1 MiB.
MAX_ROWS = 200

ICONS = {
    Status.PASSED: "✅",
    Status.FAILED: "❌",
    Status.SKIPPED: "⏭️",
    Status.ERRORED: "💥",
}


def cell(text: str) -> str:
    """Text that stays inside one table cell: HTML-escaped, pipes escaped, one line."""
    escaped = html.escape(text, quote=False).replace("|", "\\|")
    return "<br>".join(escaped.splitlines()) if escaped else ""


def code(text: str) -> str:
    return f"<code>{cell(text)}</code>"


def _location(judged: JudgedFinding) -> str:
    loc = judged.finding.location
    return code(str(loc)) if loc is not None else ""


def _rows(items: list[tuple[str, JudgedFinding]], *, why: bool) -> list[str]:
    """Table rows, at most MAX_ROWS: a job summary is capped at 1 MiB by GitHub."""
    rows = [_finding_row(j, name, why=why) for name, j in items[:MAX_ROWS]]
    if len(items) > MAX_ROWS:
        rows += [
            "",
            f"_Only the first {MAX_ROWS} of {len(items)} are listed here; the text, JSON and "
            "SARIF reports list every finding._",
        ]
    return rows


def _finding_row(judged: JudgedFinding, gate: str, *, why: bool) -> str:
    f = judged.finding
    rule = f"[{cell(f.rule_id)}]({f.help_uri})" if f.help_uri else cell(f.rule_id)
    cells = [f.severity.value, rule, cell(gate), _location(judged), cell(f.message)]
    if why:
        note = disposition(judged)
        if judged.waived_by is not None:
            note += f" ({cell(judged.waived_by)})"
        cells.append(note)
    return "| " + " | ".join(cells) + " |"


class MarkdownReporter(Reporter):
    def render(self, report: Report) -> str:
        s = report.summary
        icon = ICONS[report.verdict]
        out = [f"## {icon} gatekeeper: {report.verdict.value} (exit {report.exit_code})", ""]
        if report.base_ref is not None:
            out += [f"PR mode against {code(report.base_ref)}.", ""]
        out += [
            f"Findings: **{s.total}** — {s.blocking} blocking, {s.waived} waived, "
            f"{s.pre_existing} pre-existing.",
            "",
            "| Gate | Status | Metrics | Reason |",
            "| --- | --- | --- | --- |",
        ]
        for gate in report.gates:
            out.append(
                f"| {cell(gate.name)} | {ICONS[gate.status]} {gate.status.value} "
                f"| {cell(metric_text(gate.metrics))} | {cell(gate.reason or '')} |"
            )
        blocking = [(g.name, j) for g in report.gates for j in g.findings if j.blocking]
        others = [(g.name, j) for g in report.gates for j in g.findings if not j.blocking]
        header = "| Severity | Rule | Gate | Location | Message |"
        out.append("")
        if blocking:
            out += ["### Blocking findings", "", header, "| --- | --- | --- | --- | --- |"]
            out += _rows(blocking, why=False)
        else:
            out.append("No blocking findings.")
        if others:
            out += [
                "",
                "<details><summary>Findings that do not block</summary>",
                "",
                header + " Why |",
                "| --- | --- | --- | --- | --- | --- |",
            ]
            out += _rows(others, why=True)
            out += ["", "</details>"]
        out.append("")
        return "\n".join(out) + "\n"
