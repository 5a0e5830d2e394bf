"""Reporters: turn a judged :class:`~gatekeeper.model.Report` into text, JSON, SARIF, GitHub
workflow commands or a markdown job summary.

Reporters only render. Counts come from ``report.summary``; blocking, waived and pre-existing come
from each :class:`~gatekeeper.model.JudgedFinding`. Modules are imported on demand so that a run
that only writes JSON never imports rich.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from gatekeeper.model import Report
    from gatekeeper.report.interface import Reporter

#: format name → "module:Class" (imported lazily).
REPORTERS: dict[str, str] = {
    "text": "gatekeeper.report.text:TextReporter",
    "json": "gatekeeper.report.json:JsonReporter",
    "sarif": "gatekeeper.report.sarif:SarifReporter",
    "github": "gatekeeper.report.github:GitHubReporter",
    "markdown": "gatekeeper.report.markdown:MarkdownReporter",
}


def get_reporter(fmt: str, *, color: bool = False) -> Reporter:
    """The reporter for ``fmt``; a ValueError names the formats when ``fmt`` is unknown."""
    try:
        target = REPORTERS[fmt]
    except KeyError:
        raise ValueError(f"unknown format {fmt!r}; choose from {', '.join(REPORTERS)}") from None
    module_name, _, class_name = target.partition(":")
    cls = getattr(importlib.import_module(module_name), class_name)
    reporter: Reporter = cls(color=color)
    return reporter


def render(report: Report, fmt: str, *, color: bool = False) -> str:
    """Render ``report`` in ``fmt``. ``color`` only matters for ``text`` (rich styling)."""
    return get_reporter(fmt, color=color).render(report)
