"""A markdown job summary: one table row per gate, then the blocking findings.

Written to ``$GITHUB_STEP_SUMMARY`` by the CLI inside GitHub Actions, and usable as a PR comment.
Findings that do not block are listed in a collapsed section.

GitHub refuses a job summary larger than 1 MiB, so the whole document stays under
:data:`MAX_BYTES` however many findings there are. Each table lists its most important findings
first (:mod:`gatekeeper.report.ranking`), at most :data:`MAX_ROWS` of them and no more than fit
(the blocking table gets up to three quarters of the room, the other table the rest); a cell
holds at most :data:`MAX_CELL` characters; a line says how many rows were left out and where
every finding is listed. Linear in the number of findings.
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

from gatekeeper.model import Status
from gatekeeper.report.interface import Reporter, disposition, metric_text
from gatekeeper.report.ranking import Item, top

if TYPE_CHECKING:
    from gatekeeper.model import JudgedFinding, Report

#: Rows per findings table, for a summary people read.
MAX_ROWS = 200
#: The whole summary stays under this many bytes: half of GitHub's 1 MiB step summary limit,
#: leaving room for anything else the step writes (the annotation budget note, other tools).
MAX_BYTES = 512 * 1024
#: Characters of text in one cell (a message, a reason, a location) before it is cut with "…".
MAX_CELL = 1000
#: Bytes kept back for what follows the last row of a table.
_TAIL_BYTES = 1024

ICONS = {
    Status.PASSED: "✅",
    Status.FAILED: "❌",
    Status.SKIPPED: "⏭️",
    Status.ERRORED: "💥",
}


def cell(text: str) -> str:
    """Text that stays inside one table cell: at most MAX_CELL characters, HTML-escaped,
    pipes escaped, one line."""
    if len(text) > MAX_CELL:
        text = text[: MAX_CELL - 1] + "…"
    escaped = html.escape(text, quote=False).replace("|", "\\|")
    return "<br>".join(escaped.splitlines()) if escaped else ""


def code(text: str) -> str:
    return f"<code>{cell(text)}</code>"


def _location(judged: JudgedFinding) -> str:
    loc = judged.finding.location
    return code(str(loc)) if loc is not None else ""


def _size(lines: list[str]) -> int:
    """Bytes of ``lines`` joined with newlines, as written."""
    return sum(len(line.encode()) + 1 for line in lines)


def _rows(items: list[Item], total: int, room: int, *, why: bool) -> list[str]:
    """The rows of the highest-ranked ``items`` that fit in ``room`` bytes (at most MAX_ROWS),
    then, when some of the ``total`` are left out, a line that says so."""
    rows: list[str] = []
    for name, judged in top(items, MAX_ROWS):
        row = _finding_row(judged, name, why=why)
        room -= len(row.encode()) + 1
        if room < 0:
            break
        rows.append(row)
    if len(rows) < total:
        rows += [
            "",
            f"_{total - len(rows)} more of these {total} findings are not listed here (a job "
            "summary is limited to 1 MiB); the SARIF and JSON reports list every finding._",
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
            room = MAX_BYTES - _size(out) - 2 * _TAIL_BYTES
            room -= room // 4 if others else 0  # the findings that do not block keep a share
            out += _rows(blocking, s.blocking, room, why=False)
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
            room = MAX_BYTES - _size(out) - _TAIL_BYTES
            out += _rows(others, s.total - s.blocking, room, why=True)
            out += ["", "</details>"]
        out.append("")
        return "\n".join(out) + "\n"
