"""OSV matching on compact records (see :mod:`gatekeeper.advisories.osv`), and alias merging.

Records carry PEP 440 sort keys, so a lookup parses one version (the queried one) and then
only compares strings.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from packaging.version import Version

from gatekeeper.advisories.osv import FIXED, Record, canonical_version, in_ranges, version_key
from gatekeeper.advisories.records import Vulnerability
from gatekeeper.model import Severity

OSV_URL = "https://osv.dev/vulnerability/"


class Query:
    """One queried version: its sort key and canonical text, computed once."""

    __slots__ = ("canonical", "key")

    def __init__(self, key: str, canonical: str) -> None:
        self.key = key
        self.canonical = canonical

    @classmethod
    def parse(cls, text: str) -> Query:
        """Raises :class:`packaging.version.InvalidVersion` for a non PEP 440 version."""
        version = Version(text)
        return cls(version_key(version), canonical_version(version))


class Compiled:
    """One record ready for matching: its explicit versions in a set, its fixed versions."""

    __slots__ = ("aliases", "cvss", "fixes", "record", "severity", "summary", "versions")

    def __init__(self, record: Record) -> None:
        # Every field is read here, so a damaged record fails when it is loaded.
        self.record = record
        self.aliases: tuple[str, ...] = tuple(record["aliases"])
        self.summary: str = record["summary"]
        self.cvss: str | None = record["cvss"]
        self.severity = None if record["severity"] is None else Severity(record["severity"])
        self.versions: frozenset[str] = frozenset(record["versions"])
        #: ``(text, Query)`` for every ``fixed`` end.
        self.fixes: list[tuple[str, Query]] = [
            (event[2], Query(event[1], event[3]))
            for events, _ in record["ranges"]
            for event in events
            if event[0] == FIXED
        ]

    @property
    def id(self) -> str:
        value: str = self.record["id"]
        return value

    def affects(self, query: Query) -> bool:
        """Whether the explicit versions or an ECOSYSTEM range include the queried version."""
        return query.canonical in self.versions or in_ranges(query.key, self.record["ranges"])


def compile_records(records: Iterable[Record]) -> list[Compiled]:
    return [Compiled(r) for r in records]


def smallest_fix(records: Sequence[Compiled], query: Query) -> str | None:
    """The smallest ``fixed`` version above the queried one that none of ``records`` affects."""
    unique = {text: fix for r in records for text, fix in r.fixes if fix.key > query.key}
    order = list(records)
    for text, candidate in sorted(unique.items(), key=lambda item: item[1].key):
        hit = next((i for i, r in enumerate(order) if r.affects(candidate)), None)
        if hit is None:
            return text
        # The record that rules out this candidate likely rules out the next one too.
        order.insert(0, order.pop(hit))
    return None


def _id_rank(vid: str) -> tuple[int, str]:
    upper = vid.upper()
    if upper.startswith("GHSA-"):
        return (0, vid)
    if upper.startswith("PYSEC-"):
        return (1, vid)
    return (2, vid)


def primary_id(ids: Iterable[str]) -> str:
    """GHSA first, then PYSEC, then any other ID (CVE, OSV, ...), alphabetically within each."""
    return min(ids, key=_id_rank)


def merge(matched: Sequence[Compiled], query: Query) -> list[Vulnerability]:
    """Group records sharing any ID or alias into one :class:`Vulnerability` each, sorted by ID."""
    parent = list(range(len(matched)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    owner: dict[str, int] = {}
    for i, compiled in enumerate(matched):
        for vid in (compiled.id, *compiled.aliases):
            j = owner.setdefault(vid, i)
            parent[find(i)] = find(j)
    groups: dict[int, list[Compiled]] = {}
    for i, compiled in enumerate(matched):
        groups.setdefault(find(i), []).append(compiled)
    out = [_vulnerability(members, query) for members in groups.values()]
    out.sort(key=lambda v: _id_rank(v.id))
    return out


def _vulnerability(members: list[Compiled], query: Query) -> Vulnerability:
    ids = {vid for c in members for vid in (c.id, *c.aliases)}
    primary = primary_id(ids)
    members = sorted(members, key=lambda c: _id_rank(c.id))
    summary = next((c.summary for c in members if c.summary), "")
    severity: Severity | None = None
    vector: str | None = None
    for compiled in members:
        level = compiled.severity
        if level is None:
            continue
        if severity is None or level > severity or (level == severity and vector is None):
            severity, vector = level, compiled.cvss
    return Vulnerability(
        id=primary,
        aliases=tuple(sorted(ids - {primary})),
        summary=summary,
        severity=severity,
        cvss_vector=vector,
        fix_version=smallest_fix(members, query),
        url=OSV_URL + primary,
    )


def match(records: Sequence[Compiled], query: Query) -> list[Vulnerability]:
    """The merged vulnerabilities among ``records`` that affect the queried version."""
    return merge([r for r in records if r.affects(query)], query)


def package_fix(records: Sequence[Compiled], query: Query) -> str | None:
    """The smallest fixed version clearing every record, or ``None`` (also when unaffected)."""
    if not any(r.affects(query) for r in records):
        return None
    return smallest_fix(records, query)
