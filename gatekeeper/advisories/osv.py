"""Turn OSV entries into the compact records the database stores and the matcher reads.

One OSV entry becomes one record per PyPI package it affects::

    {"id": "PYSEC-2021-142", "aliases": ["CVE-2020-14343", "GHSA-8q59-q68h-6hv4"],
     "summary": "...", "severity": "critical", "cvss": "CVSS:3.1/...",
     "ranges": [[[[null, "5.4", false]], []]],   # [intervals, limits] per ECOSYSTEM range
     "versions": ["3.1", "5.3.1", ...]}          # explicit versions, canonical PEP 440 form

An interval is ``[introduced, end, end_inclusive]``: ``introduced`` is ``null`` for ``"0"``,
``end`` is ``null`` when the range stays open, and ``end_inclusive`` is true for a
``last_affected`` end. Events are walked in PEP 440 order exactly as the OSV specification
evaluates them, so matching a version is a few comparisons.

Problems never crash: an entry with an invalid range or version in a range is skipped, a non
PEP 440 version in an explicit ``versions`` list is ignored; both are reported as warnings.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from packaging.utils import canonicalize_name, canonicalize_version
from packaging.version import InvalidVersion, Version

from gatekeeper.advisories.severity import entry_severity

ECOSYSTEM = "PyPI"
#: Longest summary stored; details can run to pages.
SUMMARY_LIMIT = 500
_EVENT_KINDS = ("introduced", "last_affected", "fixed", "limit")
#: Tie order when two events name the same version: open before closing.
_TIE = {"introduced": 0, "last_affected": 1, "fixed": 2, "limit": 3}

Record = dict[str, Any]


class InvalidEntry(ValueError):
    """An OSV entry that cannot be used; the message says why."""


@dataclass
class Normalized:
    """What one OSV entry contributed: records by normalized package name, and warnings."""

    id: str
    records: dict[str, Record] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    withdrawn: bool = False


def normalize_name(name: str) -> str:
    """PEP 503 normalization: ``PyYAML``, ``pyyaml`` and ``Py_YAML`` are one package."""
    return str(canonicalize_name(name))


def summary_of(entry: Mapping[str, Any]) -> str:
    text = entry.get("summary") or entry.get("details") or ""
    text = re.sub(r"\s+", " ", str(text)).strip()
    if len(text) > SUMMARY_LIMIT:
        text = text[: SUMMARY_LIMIT - 1].rstrip() + "\u2026"
    return text


def normalize_entry(entry: object, origin: str) -> Normalized:
    """Normalize one parsed OSV document. Raises :class:`InvalidEntry` when it must be skipped."""
    if not isinstance(entry, Mapping):
        raise InvalidEntry(f"{origin}: not an OSV object")
    vid = entry.get("id")
    if not isinstance(vid, str) or not vid.strip():
        raise InvalidEntry(f"{origin}: missing or empty 'id'")
    result = Normalized(id=vid)
    if entry.get("withdrawn"):
        result.withdrawn = True
        return result
    aliases = entry.get("aliases") or []
    if not isinstance(aliases, list) or not all(isinstance(a, str) for a in aliases):
        raise InvalidEntry(f"{origin}: {vid}: 'aliases' is not a list of strings")
    affected = entry.get("affected") or []
    if not isinstance(affected, list):
        raise InvalidEntry(f"{origin}: {vid}: 'affected' is not a list")
    mine: list[Mapping[str, Any]] = []
    for item in affected:
        if not isinstance(item, Mapping) or not isinstance(item.get("package"), Mapping):
            raise InvalidEntry(f"{origin}: {vid}: an 'affected' item has no 'package' object")
        package = item["package"]
        name = package.get("name")
        if package.get("ecosystem") != ECOSYSTEM:
            continue
        if not isinstance(name, str) or not name.strip():
            raise InvalidEntry(f"{origin}: {vid}: a PyPI package without a name")
        ranges = _ranges(item.get("ranges"), origin, vid)
        versions = _versions(item.get("versions"), origin, vid, result.warnings)
        record = result.records.setdefault(normalize_name(name), _new_record(vid, aliases))
        record["ranges"].extend(ranges)
        record["versions"].extend(v for v in versions if v not in record["versions"])
        mine.append(item)
    if result.records:
        severity, vector, problems = entry_severity(entry, mine)
        result.warnings.extend(f"{origin}: {vid}: {p}" for p in problems)
        summary = summary_of(entry)
        for record in result.records.values():
            record["summary"] = summary
            record["severity"] = severity.value if severity else None
            record["cvss"] = vector
    return result


def _new_record(vid: str, aliases: list[str]) -> Record:
    others = sorted({a.strip() for a in aliases if a.strip() and a.strip() != vid})
    return {"id": vid, "aliases": others, "ranges": [], "versions": []}


def _parse_version(text: object, what: str) -> Version:
    if not isinstance(text, str):
        raise InvalidEntry(f"{what} is not a string: {text!r}")
    try:
        return Version(text)
    except InvalidVersion:
        raise InvalidEntry(f"{what} {text!r} is not a PEP 440 version") from None


def _ranges(value: object, origin: str, vid: str) -> list[list[Any]]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise InvalidEntry(f"{origin}: {vid}: 'ranges' is not a list")
    out: list[list[Any]] = []
    for rng in value:
        if not isinstance(rng, Mapping):
            raise InvalidEntry(f"{origin}: {vid}: a range is not an object")
        if rng.get("type") != "ECOSYSTEM":
            continue  # GIT ranges name commits; SEMVER does not apply to PyPI
        try:
            out.append(compile_range(rng.get("events")))
        except InvalidEntry as exc:
            raise InvalidEntry(f"{origin}: {vid}: invalid ECOSYSTEM range: {exc}") from None
    return out


def compile_range(events: object) -> list[Any]:
    """``[intervals, limits]`` for the events of one ECOSYSTEM range (see the module doc)."""
    if not isinstance(events, list) or not events:
        raise InvalidEntry("'events' is not a non-empty list")
    parsed: list[tuple[Version | None, int, str, str]] = []
    limits: list[str] = []
    for event in events:
        if not isinstance(event, Mapping) or len(event) != 1:
            raise InvalidEntry(f"an event must have exactly one key: {event!r}")
        ((kind, text),) = event.items()
        if kind not in _EVENT_KINDS:
            raise InvalidEntry(f"unknown event {kind!r}")
        if kind == "introduced" and text == "0":
            parsed.append((None, _TIE[kind], kind, text))
            continue
        if kind == "limit":
            if text != "*":
                limits.append(str(_parse_version(text, "limit")))
            continue
        parsed.append((_parse_version(text, kind), _TIE[kind], kind, text))
    if not any(kind == "introduced" for _, _, kind, _ in parsed):
        raise InvalidEntry("no 'introduced' event")
    # "0" sorts before every version (even 0.dev0); ties open before they close.
    parsed.sort(key=lambda p: (p[0] is not None, p[0] or Version("0"), p[1]))
    intervals: list[list[Any]] = []
    start: str | None = None
    is_open = False
    for version, _, kind, _ in parsed:
        if kind == "introduced":
            if not is_open:
                start, is_open = (str(version) if version is not None else None), True
        elif is_open:
            intervals.append([start, str(version), kind == "last_affected"])
            is_open = False
    if is_open:
        intervals.append([start, None, False])
    return [intervals, limits]


def _versions(value: object, origin: str, vid: str, warnings: list[str]) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise InvalidEntry(f"{origin}: {vid}: 'versions' is not a list")
    out: list[str] = []
    for text in value:
        try:
            version = _parse_version(text, "version")
        except InvalidEntry as exc:
            warnings.append(f"{origin}: {vid}: ignored {exc}")
            continue
        canonical = canonicalize_version(version)
        if canonical not in out:
            out.append(canonical)
    return out
