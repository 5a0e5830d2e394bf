"""Turn OSV entries into the compact records the database stores and the matcher reads.

One OSV entry becomes one record per PyPI package it affects::

    {"id": "PYSEC-2021-142", "aliases": ["CVE-2020-14343", "GHSA-8q59-q68h-6hv4"],
     "summary": "...", "severity": "critical", "cvss": "CVSS:3.1/...",
     "ranges": [[intervals, limits], ...],   # one per ECOSYSTEM range
     "versions": ["3.1", "5.3.1", ...]}      # explicit versions, canonical PEP 440 form

A compiled range is ``[events, limits]``. ``events`` are sorted in PEP 440 order (``"0"``
first; at one version: introduced, then last_affected, then fixed) and each is ``[kind, key]``
or, for a fix, ``[2, key, text, canonical]``: ``kind`` is 0 introduced, 1 last_affected,
2 fixed; ``key`` is the version's PEP 440 sort key (:func:`version_key`, a string compared
with ``<``; ``null`` for introduced ``"0"``); ``text`` is the fixed version to report.
``limits`` are sort keys. Matching walks the events exactly as the OSV specification's algorithm
does, with string comparisons and no version parsing. Explicit ``versions`` the ranges already
include are dropped (OSV's rule is "listed or in a range", so they add nothing but size).

Problems never crash. An entry whose structure is invalid is skipped. One event whose version
is not PEP 440 (``fixed: "2019-09-12"``) skips only that event, as osv.dev does by sorting such a
version above every real one: a bad ``fixed`` leaves the range open, a bad ``introduced`` opens
nothing. A non PEP 440 version in an explicit ``versions`` list is ignored. Each is a warning.
``modified`` (the newest change to the entry) is kept so a sync knows how old its data is.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from packaging.version import Version

from gatekeeper.advisories.severity import entry_severity
from gatekeeper.excerpt import excerpt

ECOSYSTEM = "PyPI"
#: Longest summary stored; details can run to pages.
SUMMARY_LIMIT = 500
_EVENT_KINDS = ("introduced", "last_affected", "fixed", "limit")
#: Compiled event kinds, also the tie order at one version: open before closing.
INTRODUCED, LAST_AFFECTED, FIXED = 0, 1, 2
_KIND = {"introduced": INTRODUCED, "last_affected": LAST_AFFECTED, "fixed": FIXED}
_PRE_RANK = {"a": 1, "b": 2, "rc": 3}
_ZERO = Version("0")

Record = dict[str, Any]


class InvalidEntry(ValueError):
    """An OSV entry that cannot be used; the message says why."""


class BadVersion(InvalidEntry):
    """One version string that is not PEP 440: the event or listed version is skipped."""


@dataclass
class Normalized:
    """What one OSV entry contributed: records by normalized package name, and warnings."""

    id: str
    records: dict[str, Record] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    withdrawn: bool = False
    #: The entry's ``modified`` time (UTC), None when it has no valid one.
    modified: dt.datetime | None = None


_SEPARATORS = re.compile(r"[-_.]+")


def normalize_name(name: str) -> str:
    """PEP 503 normalization: ``PyYAML``, ``pyyaml`` and ``Py.YAML`` are one package."""
    return _SEPARATORS.sub("-", name).lower()


def canonical_version(version: Version) -> str:
    """The version's text with trailing zero release parts dropped: equal versions, equal text.

    Same result as ``packaging.utils.canonicalize_version`` without importing that module (it
    pulls in ``packaging.tags``, which costs more than a whole audit's lookups).
    """
    release = list(version.release)
    while len(release) > 1 and release[-1] == 0:
        release.pop()
    text = f"{version.epoch}!" if version.epoch else ""
    text += ".".join(str(part) for part in release)
    if version.pre is not None:
        text += f"{version.pre[0]}{version.pre[1]}"
    if version.post is not None:
        text += f".post{version.post}"
    if version.dev is not None:
        text += f".dev{version.dev}"
    if version.local is not None:
        text += f"+{version.local}"
    return text


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
    result = Normalized(id=vid, modified=_timestamp(entry.get("modified")))
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
        ranges = _ranges(item.get("ranges"), origin, vid, result.warnings)
        versions = _versions(item.get("versions"), origin, vid, result.warnings)
        record = result.records.setdefault(normalize_name(name), _new_record(vid, aliases))
        record["ranges"].extend(ranges)
        record["versions"].extend(versions)
        mine.append(item)
    if result.records:
        severity, vector, problems = entry_severity(entry, mine)
        result.warnings.extend(f"{origin}: {vid}: {p}" for p in problems)
        summary = summary_of(entry)
        for record in result.records.values():
            record["versions"] = _outside_ranges(record["versions"], record["ranges"])
            record["summary"] = summary
            record["severity"] = severity.value if severity else None
            record["cvss"] = vector
    return result


def _timestamp(value: object) -> dt.datetime | None:
    """An RFC 3339 time as UTC (a naive one is taken as UTC); None when absent or invalid."""
    if not isinstance(value, str) or len(value) > 64:
        return None
    try:
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.UTC)
    return parsed.astimezone(dt.UTC)


def _new_record(vid: str, aliases: list[str]) -> Record:
    others = sorted({a.strip() for a in aliases if a.strip() and a.strip() != vid})
    return {"id": vid, "aliases": others, "ranges": [], "versions": []}


def _parse_version(text: object, what: str) -> Version:
    if not isinstance(text, str):
        raise InvalidEntry(f"{what} is not a string: {excerpt(text)}")
    try:
        return Version(text)
    except ValueError:  # InvalidVersion, or a number beyond the interpreter's digit limit
        raise BadVersion(f"{what} {excerpt(text)} is not a PEP 440 version") from None


def _ranges(value: object, origin: str, vid: str, warnings: list[str]) -> list[list[Any]]:
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
        skipped: list[str] = []
        try:
            out.append(compile_range(rng.get("events"), skipped))
        except InvalidEntry as exc:
            raise InvalidEntry(f"{origin}: {vid}: invalid ECOSYSTEM range: {exc}") from None
        warnings.extend(f"{origin}: {vid}: {problem}" for problem in skipped)
    return out


def _number(n: int) -> str:
    """An order-preserving, prefix-free text for a natural number: its length, then digits."""
    digits = str(n)
    return chr(ord("a") + len(digits)) + digits


def version_key(version: Version) -> str:
    """A string that sorts (``<``, ``==``) exactly like the PEP 440 version it encodes.

    Layout: epoch, the release without trailing zeros (``1.0 == 1``) closed by ``!``, then
    pre-release rank (dev-only, a, b, rc, final) and number, post-release flag and number,
    dev flag and number, then ``+`` and the local segments (words ``0<word>!`` sort before
    numbers ``1<n>``; no local part sorts first). Numbers are written as a length letter and
    their digits, so text order is numeric order. Strings are compact in JSON and compared in C.
    """
    release = list(version.release)
    while release and release[-1] == 0:
        release.pop()
    pre, post, dev = version.pre, version.post, version.dev
    if pre is None and post is None and dev is not None:
        pre_rank, pre_n = 0, 0  # a dev release of a final version sorts before its a1
    elif pre is None:
        pre_rank, pre_n = 4, 0
    else:
        pre_rank, pre_n = _PRE_RANK[pre[0]], pre[1]
    key = _number(version.epoch) + "".join(_number(part) for part in release) + "!"
    key += f"{pre_rank}{_number(pre_n)}"
    key += "0a" if post is None else f"1{_number(post)}"
    key += "1a" if dev is None else f"0{_number(dev)}"
    if version.local:
        key += "+" + "".join(
            f"1{_number(int(part))}" if part.isdigit() else f"0{part}!"
            for part in version.local.split(".")
        )
    return key


def compile_range(events: object, skipped: list[str] | None = None) -> list[Any]:
    """``[events, limits]`` for the events of one ECOSYSTEM range (see the module doc).

    An event whose version is not PEP 440 is left out, and said in ``skipped``; without a list
    to say it in, it raises :class:`InvalidEntry` like any other problem."""
    if not isinstance(events, list) or not events:
        raise InvalidEntry("'events' is not a non-empty list")
    # (sort key, compiled event)
    parsed: list[tuple[tuple[bool, Version, int], list[Any]]] = []
    limits: list[str] = []
    introduced = False
    for event in events:
        if not isinstance(event, Mapping) or len(event) != 1:
            raise InvalidEntry(f"an event must have exactly one key: {excerpt(event)}")
        ((kind, text),) = event.items()
        if kind not in _EVENT_KINDS:
            raise InvalidEntry(f"unknown event {excerpt(str(kind))}")
        introduced = introduced or kind == "introduced"
        if kind == "introduced" and text == "0":
            parsed.append(((False, _ZERO, INTRODUCED), [INTRODUCED, None]))
            continue
        if kind == "limit" and text == "*":
            continue
        try:
            version = _parse_version(text, kind)
        except BadVersion as exc:
            if skipped is None:
                raise
            effect = "range left open" if kind in ("fixed", "last_affected", "limit") else "ignored"
            skipped.append(f"ignored event {exc} ({effect}, as osv.dev does)")
            continue
        if kind == "limit":
            limits.append(version_key(version))
            continue
        code = _KIND[kind]
        compiled = [code, version_key(version)]
        if code == FIXED:
            compiled += [str(version), canonical_version(version)]
        parsed.append(((True, version, code), compiled))
    if not introduced:
        raise InvalidEntry("no 'introduced' event")
    parsed.sort(key=lambda item: item[0])
    return [[event for _, event in parsed], limits]


@lru_cache(maxsize=1 << 16)
def _listed(text: str) -> tuple[str, str]:
    """Key and canonical text of a listed version: exports repeat them across many entries."""
    version = _parse_version(text, "version")
    return version_key(version), canonical_version(version)


def _versions(value: object, origin: str, vid: str, warnings: list[str]) -> list[tuple[str, str]]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise InvalidEntry(f"{origin}: {vid}: 'versions' is not a list")
    out: list[tuple[str, str]] = []
    seen: set[str] = set()
    for text in value:
        if not isinstance(text, str):
            warnings.append(f"{origin}: {vid}: ignored version is not a string: {excerpt(text)}")
            continue
        if text in seen:
            continue  # exports repeat versions; parse each once
        seen.add(text)
        try:
            key, canonical = _listed(text)
        except InvalidEntry as exc:
            warnings.append(f"{origin}: {vid}: ignored {exc}")
            continue
        out.append((canonical, key))
    return out


def _outside_ranges(versions: list[tuple[str, str]], ranges: list[Any]) -> list[str]:
    """The explicit versions the ranges do not already include, canonical and deduplicated.

    OSV matches a version listed in ``versions`` *or* included in a range; exports list every
    affected release, so dropping those the ranges cover keeps the meaning and the index small.
    """
    out: dict[str, None] = {}  # ordered and O(1) membership: exports list 100,000s of versions
    for canonical, key in versions:
        if canonical not in out and not in_ranges(key, ranges):
            out[canonical] = None
    return list(out)


def in_ranges(key: str, ranges: list[Any]) -> bool:
    """Whether a version (by :func:`version_key`) falls in any compiled ECOSYSTEM range."""
    for events, limits in ranges:
        if limits and not any(key < limit for limit in limits):
            continue
        affected = False
        for kind, at, *_ in events:
            if at is not None and key < at:
                break  # sorted: no later event applies
            if kind == INTRODUCED:
                affected = True
            elif kind == FIXED or key != at:  # last_affected applies strictly after its version
                affected = False
        if affected:
            return True
    return False
