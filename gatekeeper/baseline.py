"""Counted baselines: findings accepted once, by fingerprint, so that only new ones count.

A baseline is a JSON file ``{"version": 1, "entries": [{rule_id, fingerprint, count, path}]}``.
Fingerprints are hashes (:func:`gatekeeper.model.make_fingerprint`), never the values a finding
is about, so a baseline of accepted secrets holds no secret. An entry with ``count`` N hides at
most N findings with its fingerprint, never an N+1th; an entry that hid fewer than its count is
*stale* (the accepted problem went away) and is reported so that it can be removed.

Any gate's policy section may name one (``baseline = "path"``, relative to the repository); the
runner applies it, in one place. PR mode's baseline (the findings at ``--base``, counted per
fingerprint) follows the same rule, :func:`accepted`: N findings there mark at most N of
today's as pre-existing, the earliest by location, and an N+1th is new. Standard library only.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from gatekeeper.errors import InputError
from gatekeeper.fsutil import atomic_write, read_bounded
from gatekeeper.model import Finding

VERSION = 1
#: How many findings of each fingerprint a baseline accepts (PR mode: those at the base).
Counts = Mapping[str, int]
K = TypeVar("K", bound=Hashable)
_KEYS = ("rule_id", "fingerprint", "count", "path")


@dataclass(frozen=True, slots=True)
class Entry:
    """``count`` accepted findings of ``rule_id`` with ``fingerprint`` (first seen at ``path``)."""

    rule_id: str
    fingerprint: str
    count: int
    path: str | None = None


def counts(findings: Iterable[Finding]) -> Counter[str]:
    """How many of ``findings`` there are of each fingerprint: what a baseline of them accepts."""
    return Counter(finding.fingerprint for finding in findings)


def _place(finding: Finding) -> tuple[str, int, int]:
    loc = finding.location
    if loc is None:
        return ("", 0, 0)
    return (loc.path, loc.line or 0, loc.column or 0)


def accepted(
    findings: Sequence[Finding], budget: Mapping[K, int], key: Callable[[Finding], K]
) -> frozenset[int]:
    """The indices of the ``findings`` that ``budget`` accepts: at most ``budget[k]`` of those
    with key ``k``, the earliest by location (path, line, column; equal places in order), so
    that of several equal findings the later ones are the new ones, whatever order a gate
    reports them in. The one counting rule of baselines and PR mode."""
    left = Counter({k: n for k, n in budget.items() if n > 0})
    out = set()
    for index in sorted(range(len(findings)), key=lambda i: _place(findings[i])):
        k = key(findings[index])
        if left[k] > 0:
            left[k] -= 1
            out.add(index)
    return frozenset(out)


def entries(findings: Iterable[Finding]) -> list[Entry]:
    """The baseline that accepts exactly ``findings``: one entry per fingerprint, counted."""
    counts: Counter[tuple[str, str]] = Counter()
    paths: dict[tuple[str, str], str | None] = {}
    for finding in findings:
        key = (finding.rule_id, finding.fingerprint)
        counts[key] += 1
        paths.setdefault(key, finding.location.path if finding.location else None)
    return [Entry(rule, fp, counts[(rule, fp)], paths[(rule, fp)]) for rule, fp in sorted(counts)]


def dumps(baseline: Sequence[Entry]) -> bytes:
    """``baseline`` as the file's bytes (sorted keys, one entry per line block)."""
    body = {
        "version": VERSION,
        "entries": [{key: getattr(entry, key) for key in _KEYS} for entry in baseline],
    }
    return (json.dumps(body, indent=2, sort_keys=True) + "\n").encode()


def write(path: Path, findings: Iterable[Finding]) -> list[Entry]:
    """Replace ``path`` atomically with the baseline accepting ``findings``; return it."""
    baseline = entries(findings)
    atomic_write(path, dumps(baseline))
    return baseline


def _entry(item: object, index: int, path: Path) -> Entry:
    def bad(what: str) -> InputError:
        return InputError(f"baseline entry {index}: {what}", path=path)

    if not isinstance(item, dict):
        raise bad("not an object")
    unknown = sorted(set(item) - set(_KEYS))
    if unknown:
        raise bad(f"unknown key {unknown[0]!r}")
    rule_id, fingerprint = item.get("rule_id"), item.get("fingerprint")
    count, where = item.get("count", 1), item.get("path")
    if not isinstance(rule_id, str) or not rule_id:
        raise bad("rule_id must be a non-empty string")
    if not isinstance(fingerprint, str) or not fingerprint:
        raise bad("fingerprint must be a non-empty string")
    if isinstance(count, bool) or not isinstance(count, int) or count < 1:
        raise bad("count must be an integer >= 1")
    if where is not None and not isinstance(where, str):
        raise bad("path must be a string")
    return Entry(rule_id, fingerprint, count, where)


def load(path: Path) -> list[Entry]:
    """The baseline at ``path``; a missing, unreadable or malformed file is an InputError."""
    try:
        data = json.loads(read_bounded(path))
    except OSError as exc:
        raise InputError(f"cannot read baseline: {exc.strerror or exc}", path=path) from None
    except ValueError as exc:  # JSONDecodeError and UnicodeDecodeError
        raise InputError(f"baseline is not valid JSON: {exc}", path=path) from None
    if not isinstance(data, dict) or data.get("version") != VERSION:
        raise InputError(f"baseline must be an object with version {VERSION}", path=path)
    items = data.get("entries")
    if not isinstance(items, list):
        raise InputError("baseline entries must be a list", path=path)
    return [_entry(item, index, path) for index, item in enumerate(items)]


def apply(
    findings: Sequence[Finding], baseline: Sequence[Entry]
) -> tuple[list[Finding], list[Finding], list[Entry]]:
    """``(kept, baselined, stale_entries)``: each entry hides at most ``count`` findings with
    its rule and fingerprint (the earliest, :func:`accepted`); a stale entry is one that hid
    fewer, returned with the count it did not use."""
    budget: Counter[tuple[str, str]] = Counter()
    for entry in baseline:
        budget[(entry.rule_id, entry.fingerprint)] += entry.count
    chosen = accepted(findings, budget, lambda f: (f.rule_id, f.fingerprint))
    kept = [f for i, f in enumerate(findings) if i not in chosen]
    hidden = [f for i, f in enumerate(findings) if i in chosen]
    for finding in hidden:
        budget[(finding.rule_id, finding.fingerprint)] -= 1
    stale: list[Entry] = []
    for entry in baseline:
        key = (entry.rule_id, entry.fingerprint)
        unused = min(budget[key], entry.count)
        if unused:
            budget[key] -= unused
            stale.append(Entry(entry.rule_id, entry.fingerprint, unused, entry.path))
    return kept, hidden, stale
