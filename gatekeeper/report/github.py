"""GitHub Actions workflow commands: annotations shown inline on the diff, within GitHub's budget.

``::error`` for blocking findings, ``::warning`` for other findings that are not info,
``::notice`` for info, waived and pre-existing ones. Errored gates are errors, skipped gates
notices. Escaping follows GitHub's toolkit: in the message ``%``, ``\\r`` and ``\\n``; in
properties additionally ``:`` and ``,``.

GitHub displays at most :data:`PER_LEVEL` annotations of each level per step and drops the
rest, so each level gets its gate commands and then its most important findings
(:mod:`gatekeeper.report.ranking`), and :func:`step_summary` says how many more there are and
where every finding is listed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from gatekeeper.model import Severity, Status
from gatekeeper.report.interface import Reporter
from gatekeeper.report.ranking import Item, top

if TYPE_CHECKING:
    from collections.abc import Mapping

    from gatekeeper.model import JudgedFinding, Report

#: GitHub displays at most this many annotations of each level per step (and 50 per job).
PER_LEVEL = 10
LEVELS = ("error", "warning", "notice")


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def command(level: str, message: str, **properties: str | int | None) -> str:
    props = ",".join(
        f"{key}={escape_property(str(value))}"
        for key, value in properties.items()
        if value is not None
    )
    head = f"::{level} {props}" if props else f"::{level}"
    return f"{head}::{escape_data(message)}"


def level_of(judged: JudgedFinding) -> str:
    if judged.blocking:
        return "error"
    if judged.waived_by is not None or judged.pre_existing:
        return "notice"
    if judged.finding.severity is Severity.INFO:
        return "notice"
    return "warning"


def annotation(judged: JudgedFinding) -> str:
    f = judged.finding
    title = f"{f.rule_id} {f.title}" if f.title else f.rule_id
    message = f.message
    if judged.waived_by is not None:
        message += f" (waived by {judged.waived_by})"
    elif judged.pre_existing:
        message += " (pre-existing)"
    loc = f.location
    if loc is None:
        return command(level_of(judged), message, title=title)
    end = loc.end_line if loc.end_line is not None and loc.end_line != loc.line else None
    return command(
        level_of(judged),
        message,
        file=loc.path,
        line=loc.line,
        endLine=end,
        col=loc.column,
        title=title,
    )


@dataclass(frozen=True, slots=True)
class Annotations:
    """What fits GitHub's budget: the commands to write, in order, and per level how many
    findings were left out."""

    commands: tuple[str, ...]
    findings_shown: int
    left_out: Mapping[str, int]

    @property
    def total_left_out(self) -> int:
        return sum(self.left_out.values())


def plan(report: Report, per_level: int = PER_LEVEL) -> Annotations:
    """Per level: the gate commands first (an errored gate is the first thing to fix), then the
    highest-ranked findings, ``per_level`` in all."""
    gate_commands: dict[str, list[str]] = {level: [] for level in LEVELS}
    findings: dict[str, list[Item]] = {level: [] for level in LEVELS}
    for gate in report.gates:
        if gate.status is Status.ERRORED:
            title = f"gate {gate.name} errored"
            gate_commands["error"].append(command("error", f"{gate.reason}", title=title))
        elif gate.status is Status.SKIPPED:
            title = f"gate {gate.name} skipped"
            gate_commands["notice"].append(command("notice", f"{gate.reason}", title=title))
        for judged in gate.findings:
            findings[level_of(judged)].append((gate.name, judged))
    commands: list[str] = []
    shown = 0
    left_out: dict[str, int] = {}
    for level in LEVELS:
        commands += gate_commands[level][:per_level]
        chosen = top(findings[level], per_level - len(gate_commands[level]))
        commands += (annotation(judged) for _, judged in chosen)
        shown += len(chosen)
        left_out[level] = len(findings[level]) - len(chosen)
    return Annotations(tuple(commands), shown, left_out)


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def budget_note(report: Report, annotations: Annotations) -> str:
    """Markdown for the job summary when GitHub's budget left findings unannotated, else ''."""
    if not annotations.total_left_out:
        return ""
    levels = ", ".join(
        _plural(count, level) for level, count in annotations.left_out.items() if count
    )
    total = report.summary.total
    return (
        f"### Annotations\n\n"
        f"GitHub shows at most {PER_LEVEL} annotations of each level per step, so "
        f"{annotations.findings_shown} of the {total} findings are annotated on the diff "
        f"(blocking first, then those on changed lines, then by severity); "
        f"{total - annotations.findings_shown} more are not ({levels}). "
        "The tables above list findings in the same order, as many as fit; the SARIF report "
        "(code scanning) and the JSON report list every finding.\n"
    )


def step_summary(report: Report) -> str:
    """What ``$GITHUB_STEP_SUMMARY`` gets: the markdown summary, then the annotation budget
    note when GitHub's budget left findings out. Under 1 MiB however many findings there are."""
    from gatekeeper.report.markdown import MarkdownReporter

    note = budget_note(report, plan(report))
    summary = MarkdownReporter().render(report)
    return f"{summary}\n{note}" if note else summary


class GitHubReporter(Reporter):
    def render(self, report: Report) -> str:
        annotations = plan(report)
        lines = list(annotations.commands)
        if annotations.total_left_out:
            lines.append(
                f"gatekeeper: {report.summary.total - annotations.findings_shown} more "
                f"finding(s) are not annotated (GitHub shows {PER_LEVEL} of each level per "
                "step); see the job summary and the SARIF report"
            )
        return "".join(f"{line}\n" for line in lines)
