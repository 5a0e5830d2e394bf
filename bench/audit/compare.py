"""Check that gatekeeper and pip-audit found the same vulnerabilities.

    python bench/audit/compare.py GATEKEEPER.json PIP_AUDIT.json

GATEKEEPER.json is ``gatekeeper audit --format json``; PIP_AUDIT.json is ``pip-audit -f json``.
Each side becomes a set of (package, version, IDs) where IDs are one vulnerability's ID plus its
aliases. pip-audit reports one entry per OSV record and drops an entry whose ID is an alias of
another it already has; gatekeeper merges records sharing any ID. So the exact comparison is on
the union of IDs per (package, version); the per-vulnerability sets are compared too and any
difference is printed. Exit 0 when the findings are identical, 1 otherwise.
"""

from __future__ import annotations

import json
import re
import sys
from collections import defaultdict
from pathlib import Path

Key = tuple[str, str]


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def gatekeeper(path: Path) -> dict[Key, list[frozenset[str]]]:
    report = json.loads(path.read_text("utf-8"))
    found: dict[Key, list[frozenset[str]]] = defaultdict(list)
    for gate in report["gates"]:
        for finding in gate["findings"]:
            if finding["rule_id"] == "GK-AUD-001":
                data = finding["data"]
                found[(data["package"], data["version"])].append(frozenset(data["ids"]))
    return found


def pip_audit(path: Path) -> dict[Key, list[frozenset[str]]]:
    report = json.loads(path.read_text("utf-8"))
    found: dict[Key, list[frozenset[str]]] = defaultdict(list)
    for dep in report["dependencies"]:
        for vuln in dep.get("vulns", []):
            ids = frozenset([vuln["id"], *vuln.get("aliases", [])])
            found[(canonical(dep["name"]), dep["version"])].append(ids)
    return found


def union(found: dict[Key, list[frozenset[str]]]) -> set[tuple[str, str, frozenset[str]]]:
    return {(name, version, frozenset().union(*ids)) for (name, version), ids in found.items()}


def merged(ids: list[frozenset[str]]) -> set[frozenset[str]]:
    """Merge sets that share an ID (what gatekeeper does with aliases)."""
    groups: list[set[str]] = []
    for item in ids:
        touching = [g for g in groups if g & item]
        new = set(item).union(*touching)
        groups = [g for g in groups if not g & item] + [new]
    return {frozenset(g) for g in groups}


def main() -> int:
    ours, theirs = gatekeeper(Path(sys.argv[1])), pip_audit(Path(sys.argv[2]))
    a, b = union(ours), union(theirs)
    print(f"gatekeeper: {len(ours)} vulnerable pins, {sum(map(len, ours.values()))} findings")
    print(f"pip-audit:  {len(theirs)} vulnerable pins, {sum(map(len, theirs.values()))} entries")
    same = a == b
    for item in sorted(a - b, key=str):
        print(f"  only gatekeeper: {item[0]}=={item[1]} {sorted(item[2])}")
    for item in sorted(b - a, key=str):
        print(f"  only pip-audit:  {item[0]}=={item[1]} {sorted(item[2])}")
    grouping = 0
    for key in sorted(set(ours) & set(theirs)):
        if set(ours[key]) != merged(theirs[key]):
            grouping += 1
            print(f"  grouped differently: {key[0]}=={key[1]}")
    print(
        "findings identical: (package, version, advisory IDs) sets match"
        if same
        else "findings DIFFER"
    )
    print(f"alias grouping differences: {grouping}")
    return 0 if same else 1


if __name__ == "__main__":
    raise SystemExit(main())
