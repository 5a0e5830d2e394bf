"""The reporter interface and the small helpers every format shares."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from gatekeeper.model import Finding, JudgedFinding, Report

TOOL_NAME = "gatekeeper"
TOOL_URI = "https://gatekeeper.internal/docs"


class Reporter(ABC):
    """Renders a report. Never filters, counts or decides: everything it shows is in the report."""

    def __init__(self, *, color: bool = False) -> None:
        self.color = color

    @abstractmethod
    def render(self, report: Report) -> str:
        """The whole report as text, ending with a newline."""


def plain(value: Any) -> Any:
    """A JSON-ready copy of a frozen ``data`` payload: mappings become dicts, tuples lists."""
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value


def finding_data(finding: Finding) -> dict[str, Any]:
    """The payload as reports show it: ``data`` plus the advisory ``ids`` and the ``scope`` when
    set (where JSON consumers have always found them)."""
    out: dict[str, Any] = plain(finding.data)
    if finding.ids:
        out["ids"] = list(finding.ids)
    if finding.scope is not None:
        out["scope"] = finding.scope
    return out


def disposition(judged: JudgedFinding) -> str:
    """How the runner judged a finding, in one word a human reads."""
    if judged.blocking:
        return "blocking"
    if judged.waived_by is not None:
        return "waived"
    if judged.pre_existing:
        return "pre-existing"
    return "reported"


def metric_text(metrics: Mapping[str, Any]) -> str:
    return ", ".join(f"{key}={value}" for key, value in metrics.items())
