"""Human-readable text. Plain and stable when not on a terminal; styled with rich when ``color``.

Both modes render the same lines: each line is a list of (text, style) segments; plain output
joins the text, colored output hands the segments to rich (imported only then).
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

from gatekeeper.model import Status
from gatekeeper.report.interface import Reporter, disposition, metric_text

if TYPE_CHECKING:
    from gatekeeper.model import GateReport, JudgedFinding, Report

Segment = tuple[str, str]
Line = list[Segment]

STATUS_STYLE = {
    Status.PASSED: "bold green",
    Status.FAILED: "bold red",
    Status.SKIPPED: "yellow",
    Status.ERRORED: "bold magenta",
}
DISPOSITION_STYLE = {
    "blocking": "bold red",
    "waived": "cyan",
    "pre-existing": "blue",
    "reported": "yellow",
}


def _finding_line(judged: JudgedFinding) -> Line:
    f = judged.finding
    label = disposition(judged)
    line: Line = [
        ("    ", ""),
        (f"{label:<12}", DISPOSITION_STYLE[label]),
        (" ", ""),
        (f"{f.severity.value:<8}", ""),
        (" ", ""),
        (f.rule_id, "bold"),
        ("  ", ""),
    ]
    if f.location is not None:
        line += [(str(f.location), "underline"), ("  ", "")]
    line.append((f.message.replace("\n", " "), ""))
    if judged.waived_by is not None:
        line.append((f"  [waived by {judged.waived_by}]", DISPOSITION_STYLE[label]))
    return line


def _gate_lines(gate: GateReport) -> list[Line]:
    head: Line = [
        (f"{gate.status.value.upper():<8}", STATUS_STYLE[gate.status]),
        (" ", ""),
        (gate.name, "bold"),
    ]
    if gate.reason is not None:
        head.append((f": {gate.reason}", ""))
    if gate.metrics:
        head.append((f"  ({metric_text(gate.metrics)})", "dim"))
    return [head, *(_finding_line(j) for j in gate.findings)]


def lines(report: Report) -> list[Line]:
    s = report.summary
    out: list[Line] = [
        [
            (f"gatekeeper {report.tool_version}: ", "bold"),
            (report.verdict.value.upper(), STATUS_STYLE[report.verdict]),
            (f" (exit {report.exit_code})", ""),
        ],
        [(f"root: {report.root}", "dim")],
    ]
    if report.policy_sources:
        out.append([(f"policy: {' + '.join(report.policy_sources)}", "dim")])
    if report.base_ref is not None:
        out.append([(f"base: {report.base_ref} (PR mode)", "dim")])
    out.append([])
    for gate in report.gates:
        out += _gate_lines(gate)
    out += [
        [],
        [
            (
                f"gates: {s.gates_passed} passed, {s.gates_failed} failed, "
                f"{s.gates_skipped} skipped, {s.gates_errored} errored; "
                f"findings: {s.total} ({s.blocking} blocking, {s.waived} waived, "
                f"{s.pre_existing} pre-existing)",
                "",
            )
        ],
    ]
    return out


class TextReporter(Reporter):
    def render(self, report: Report) -> str:
        rendered = lines(report)
        if not self.color:
            return "".join("".join(text for text, _ in line).rstrip() + "\n" for line in rendered)
        from rich.console import Console
        from rich.text import Text

        buffer = io.StringIO()
        console = Console(
            file=buffer, force_terminal=True, color_system="standard", highlight=False, width=200
        )
        for line in rendered:
            console.print(Text.assemble(*line), soft_wrap=True)
        return buffer.getvalue()
