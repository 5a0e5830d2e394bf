"""OSV matching on compact records (see :mod:`gatekeeper.advisories.osv`), and alias merging."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import lru_cache

from packaging.utils import canonicalize_version
from packaging.version import Version

from gatekeeper.advisories.osv import Record
from gatekeeper.advisories.records import Vulnerability
from gatekeeper.model import Severity

OSV_URL = "https://osv.dev/vulnerability/"


@lru_cache(maxsize=65536)
def parse(text: str) -> Version:
    """A cached PEP 440 parse: versions repeat across advisories and lookups."""
    return Version(text)


def affects(record: Record, version: Version, canonical: str | None = None) -> bool:
    """Whether the record's explicit versions or ECOSYSTEM ranges include ``version``."""
    if record["versions"]:
        key = canonicalize_version(version) if canonical is None else canonical
        if key in record["versions"]:
            return True
    for intervals, limits in record["ranges"]:
        if limits and not any(version < parse(limit) for limit in limits):
            continue
        for start, end, inclusive in intervals:
            if start is not None and version < parse(start):
                continue
            if end is None:
                return True
            stop = parse(end)
            if version < stop or (inclusive and version == stop):
                return True
    return False


def fix_candidates(records: Iterable[Record]) -> set[str]:
    """Every ``fixed`` version named by the records' ranges."""
    return {
        end
        for record in records
        for intervals, _ in record["ranges"]
        for _, end, inclusive in intervals
        if end is not None and not inclusive
    }


def smallest_fix(records: Sequence[Record], version: Version) -> str | None:
    """The smallest ``fixed`` version above ``version`` that none of ``records`` affects."""
    candidates = sorted(
        (parse(c) for c in fix_candidates(records) if parse(c) > version),
    )
    for candidate in candidates:
        canonical = canonicalize_version(candidate)
        if not any(affects(r, candidate, canonical) for r in records):
            return str(candidate)
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


def merge(matched: Sequence[Record], version: Version) -> list[Vulnerability]:
    """Group records sharing any ID or alias into one :class:`Vulnerability` each, sorted by ID."""
    parent = list(range(len(matched)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    owner: dict[str, int] = {}
    for i, record in enumerate(matched):
        for vid in (record["id"], *record["aliases"]):
            j = owner.setdefault(vid, i)
            parent[find(i)] = find(j)
    groups: dict[int, list[Record]] = {}
    for i, record in enumerate(matched):
        groups.setdefault(find(i), []).append(record)
    out = [_vulnerability(members, version) for members in groups.values()]
    out.sort(key=lambda v: _id_rank(v.id))
    return out


def _vulnerability(members: list[Record], version: Version) -> Vulnerability:
    ids = {vid for r in members for vid in (r["id"], *r["aliases"])}
    primary = primary_id(ids)
    members = sorted(members, key=lambda r: _id_rank(r["id"]))
    summary = next((r["summary"] for r in members if r["summary"]), "")
    severity: Severity | None = None
    vector: str | None = None
    for record in members:
        if record["severity"] is None:
            continue
        level = Severity(record["severity"])
        if severity is None or level > severity or (level == severity and vector is None):
            severity, vector = level, record["cvss"]
    return Vulnerability(
        id=primary,
        aliases=tuple(sorted(ids - {primary})),
        summary=summary,
        severity=severity,
        cvss_vector=vector,
        fix_version=smallest_fix(members, version),
        url=OSV_URL + primary,
    )


def match(records: Sequence[Record], version: Version) -> list[Vulnerability]:
    """The merged vulnerabilities among ``records`` that affect ``version``."""
    canonical = canonicalize_version(version)
    return merge([r for r in records if affects(r, version, canonical)], version)


def package_fix(records: Sequence[Record], version: Version) -> str | None:
    """The smallest fixed version clearing every record, or ``None`` (also when unaffected)."""
    canonical = canonicalize_version(version)
    if not any(affects(r, version, canonical) for r in records):
        return None
    return smallest_fix(records, version)
