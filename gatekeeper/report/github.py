"""GitHub Actions workflow commands: one annotation per finding, shown inline on the diff.

``::error`` for blocking findings, ``::warning`` for other findings that are not info,
``::notice`` for info, waived and pre-existing ones. Errored gates are errors, skipped gates
notices. Escaping follows GitHub's toolkit: in the message ``%``, ``\\r`` and ``\\n``; in
properties additionally ``:`` and ``,``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from gatekeeper.model import Severity, Status
from gatekeeper.report.interface import Reporter

if TYPE_CHECKING:
    from gatekeeper.model import JudgedFinding, Report


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


class GitHubReporter(Reporter):
    def render(self, report: Report) -> str:
        lines = []
        for gate in report.gates:
            if gate.status is Status.ERRORED:
                lines.append(command("error", f"{gate.reason}", title=f"gate {gate.name} errored"))
            elif gate.status is Status.SKIPPED:
                lines.append(command("notice", f"{gate.reason}", title=f"gate {gate.name} skipped"))
            lines.extend(annotation(j) for j in gate.findings)
        return "".join(f"{line}\n" for line in lines)
