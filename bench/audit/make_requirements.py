"""Write a requirements file of real pins from an OSV snapshot, half vulnerable, half clean.

    python bench/audit/make_requirements.py SNAPSHOT.zip DB_DIR OUT.txt [--count 300] [--seed 1]

Names and versions come from the snapshot itself: a vulnerable pin is a version an advisory's
``versions`` list names (a real release); a clean pin is a ``fixed`` version that no advisory of
the package affects. The synced database at DB_DIR (``gatekeeper advisories sync --from ZIP``)
decides which is which, and the benchmark's comparison with pip-audit checks that decision.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import zipfile
from collections import defaultdict
from pathlib import Path

from packaging.version import InvalidVersion, Version

from gatekeeper.advisories import open_db


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def candidates(snapshot: Path) -> tuple[dict[str, set[str]], dict[str, set[str]], dict[str, str]]:
    """Per package: versions named by advisories, fixed versions, and one spelling of the name."""
    listed: dict[str, set[str]] = defaultdict(set)
    fixed: dict[str, set[str]] = defaultdict(set)
    spelling: dict[str, str] = {}
    with zipfile.ZipFile(snapshot) as archive:
        for info in archive.infolist():
            if not info.filename.endswith(".json"):
                continue
            entry = json.loads(archive.read(info))
            if entry.get("withdrawn"):
                continue
            for affected in entry.get("affected", []):
                package = affected.get("package", {})
                if package.get("ecosystem") != "PyPI":
                    continue
                key = canonical(package["name"])
                spelling.setdefault(key, package["name"])
                listed[key].update(affected.get("versions", []))
                for rng in affected.get("ranges", []):
                    fixed[key].update(e["fixed"] for e in rng.get("events", []) if "fixed" in e)
    return listed, fixed, spelling


def pep440(text: str) -> bool:
    try:
        return str(Version(text)) == text
    except InvalidVersion:
        return False


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("snapshot", type=Path)
    parser.add_argument("db", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--count", type=int, default=300)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    listed, fixed, spelling = candidates(args.snapshot)
    rng = random.Random(args.seed)
    names = sorted(spelling)
    rng.shuffle(names)
    vulnerable: list[str] = []
    clean: list[str] = []
    half = args.count // 2
    with open_db(args.db) as db:
        for key in names:
            if len(vulnerable) >= half and len(clean) >= args.count - half:
                break
            if len(vulnerable) < half:
                options = sorted(v for v in listed[key] if pep440(v))
                rng.shuffle(options)
                hit = next((v for v in options if db.vulnerabilities(key, v)), None)
                if hit is not None:
                    vulnerable.append(f"{spelling[key]}=={hit}")
                    continue
            if len(clean) < args.count - half:
                options = sorted(v for v in fixed[key] if pep440(v))
                ok = next((v for v in options if not db.vulnerabilities(key, v)), None)
                if ok is not None:
                    clean.append(f"{spelling[key]}=={ok}")
    pins = vulnerable + clean
    if len(pins) < args.count:
        raise SystemExit(f"only {len(pins)} usable pins in {args.snapshot}")
    rng.shuffle(pins)
    args.out.write_text("\n".join(pins) + "\n", "utf-8")
    print(f"{args.out}: {len(vulnerable)} vulnerable + {len(clean)} clean pins")


if __name__ == "__main__":
    main()
