"""Severity of an OSV entry from its CVSS vectors or ``database_specific.severity``.

The ``cvss`` package is imported lazily: only a sync (or an online lookup) scores vectors; the
local database stores the result.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from gatekeeper.model import Severity

#: Newer CVSS versions win a tie between vectors giving the same severity.
_PREFERENCE = {"CVSS_V4": 3, "CVSS_V3": 2, "CVSS_V2": 1}


def _cvss2_severity(score: float) -> Severity:
    if score >= 7.0:
        return Severity.HIGH
    if score >= 4.0:
        return Severity.MEDIUM
    return Severity.LOW


def score_vector(kind: str, vector: str) -> Severity:
    """The qualitative severity of one vector; ``ValueError`` if it is not a valid one."""
    import cvss

    try:
        if kind == "CVSS_V4":
            return Severity.parse(str(cvss.CVSS4(vector).severity))
        if kind == "CVSS_V3":
            return Severity.parse(str(cvss.CVSS3(vector).severities()[0]))
        if kind == "CVSS_V2":
            return _cvss2_severity(float(cvss.CVSS2(vector).scores()[0]))
    except cvss.CVSSError as exc:
        raise ValueError(f"invalid {kind} vector: {exc}") from None
    raise ValueError(f"unsupported severity type {kind}")


def base_score(vector: str) -> float | None:
    """The CVSS base score of a v2, v3.x or v4.0 vector; None when it is not a valid one."""
    import cvss

    try:
        if vector.startswith("CVSS:4."):
            return float(cvss.CVSS4(vector).base_score)
        if vector.startswith("CVSS:3."):
            return float(cvss.CVSS3(vector).base_score)
        return float(cvss.CVSS2(vector).base_score)
    except cvss.CVSSError:
        return None


def entry_severity(
    entry: Mapping[str, Any], affected: Iterable[Mapping[str, Any]] = ()
) -> tuple[Severity | None, str | None, list[str]]:
    """``(severity, vector, problems)`` for an OSV entry.

    The highest severity among the valid CVSS vectors of the entry and of its ``affected``
    items wins (fail closed); without any, ``database_specific.severity`` (GitHub's
    LOW/MODERATE/HIGH/CRITICAL) is used. Invalid vectors are reported in ``problems``.
    """
    problems: list[str] = []
    best: tuple[int, int, Severity, str] | None = None
    items: list[Any] = list(_list(entry.get("severity")))
    for aff in affected:
        items.extend(_list(aff.get("severity")))
    for item in items:
        if not isinstance(item, Mapping):
            problems.append("severity item is not an object")
            continue
        kind, vector = item.get("type"), item.get("score")
        if kind not in _PREFERENCE or not isinstance(vector, str):
            continue
        try:
            severity = score_vector(str(kind), vector)
        except ValueError as exc:
            problems.append(str(exc))
            continue
        key = (severity.rank, _PREFERENCE[str(kind)], severity, vector)
        if best is None or key[:2] > best[:2]:
            best = key
    if best is not None:
        return best[2], best[3], problems
    specific = entry.get("database_specific")
    if isinstance(specific, Mapping) and isinstance(specific.get("severity"), str):
        try:
            return Severity.parse(specific["severity"]), None, problems
        except ValueError:
            problems.append(f"unknown database_specific.severity {specific['severity']!r}")
    return None, None, problems


def _list(value: object) -> list[Any]:
    return list(value) if isinstance(value, list) else []
