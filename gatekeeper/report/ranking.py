"""Which findings a reader should see first, for the formats that can show only some of them.

GitHub displays at most 10 annotations of each level per step, and refuses a job summary over
1 MiB, so the ``github`` and ``markdown`` formats show findings in this order and stop early:
blocking findings first, then those on lines the change touched, then by severity (highest
first), then by location, rule, gate and fingerprint so that equal findings keep a stable order.

Ranking is rendering: it orders what the runner judged and never changes a judgement. Pure
functions, linear in the number of findings.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from gatekeeper.model import Finding, JudgedFinding

#: A finding with the name of the gate that reported it.
Item = tuple[str, "JudgedFinding"]
RankKey = tuple[bool, bool, int, bool, str, int, int, str, str, str]


def on_changed_line(finding: Finding) -> bool:
    """Whether the finding touches a line the change added or modified. PR mode marks these
    with ``data["changed"]`` (the coverage gate, from ``git diff`` against the base)."""
    return finding.data.get("changed") is True


def rank_key(item: Item) -> RankKey:
    """Sorts the most important finding first (see the module's docstring)."""
    gate, judged = item
    f = judged.finding
    loc = f.location
    path, line, column = ("", -1, -1) if loc is None else (loc.path, loc.line, loc.column)
    return (
        not judged.blocking,
        not on_changed_line(f),
        -f.severity.rank,
        loc is None,
        path,
        -1 if line is None else line,
        -1 if column is None else column,
        f.rule_id,
        gate,
        f.fingerprint,
    )


def top(items: Iterable[Item], count: int) -> list[Item]:
    """The ``count`` most important items, most important first: one pass over ``items``
    keeping a heap of ``count`` (so 100,000 findings cost little more than reading them)."""
    return heapq.nsmallest(max(count, 0), items, key=rank_key)
