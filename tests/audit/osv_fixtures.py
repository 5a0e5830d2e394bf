"""Small OSV databases built from real advisory facts, synced with the real sync code."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from gatekeeper.advisories.sync import sync


def _entry(
    vid: str,
    package: str,
    events: list[dict[str, str]],
    aliases: list[str] = (),  # type: ignore[assignment]
    summary: str = "",
    cvss: str | None = None,
    severity: str | None = None,
) -> dict[str, object]:
    entry: dict[str, object] = {
        "id": vid,
        "modified": "2024-01-01T00:00:00Z",
        "aliases": list(aliases),
        "summary": summary,
        "affected": [
            {
                "package": {"ecosystem": "PyPI", "name": package},
                "ranges": [{"type": "ECOSYSTEM", "events": events}],
            }
        ],
    }
    if cvss:
        entry["severity"] = [{"type": "CVSS_V3", "score": cvss}]
    if severity:
        entry["database_specific"] = {"severity": severity}
    return entry


ENTRIES = [
    # PyYAML before 5.4: arbitrary code execution in full_load (critical, CVSS 9.8).
    _entry(
        "GHSA-8q59-q68h-6hv4",
        "PyYAML",
        [{"introduced": "0"}, {"fixed": "5.4"}],
        ["CVE-2020-14343"],
        "Improper Input Validation in PyYAML",
        cvss="CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
    ),
    _entry(
        "PYSEC-2021-142",
        "pyyaml",
        [{"introduced": "0"}, {"fixed": "5.4"}],
        ["CVE-2020-14343", "GHSA-8q59-q68h-6hv4"],
        "PyYAML full_load arbitrary code execution",
    ),
    # PyYAML before 5.3.1: CVE-2020-1747 (critical).
    _entry(
        "GHSA-6757-jp84-gxfx",
        "PyYAML",
        [{"introduced": "0"}, {"fixed": "5.3.1"}],
        ["CVE-2020-1747"],
        "Improper Input Validation in PyYAML",
        cvss="CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
    ),
    # requests before 2.20.0 sends the Authorization header on https→http redirects (high).
    _entry(
        "GHSA-x84v-xcm2-53pg",
        "requests",
        [{"introduced": "0"}, {"fixed": "2.20.0"}],
        ["CVE-2018-18074"],
        "Insufficiently Protected Credentials in Requests",
        cvss="CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N",
    ),
    # urllib3 before 1.24.2: CA certificates ignored (no severity here: the policy decides).
    _entry(
        "PYSEC-2019-133",
        "urllib3",
        [{"introduced": "0"}, {"fixed": "1.24.2"}],
        ["CVE-2019-11324"],
        "urllib3 mishandles certain cases where the desired set of CA certificates differs",
    ),
    # Jinja2 before 3.1.3: xmlattr XSS (moderate).
    _entry(
        "GHSA-h5c8-rqwp-cp95",
        "jinja2",
        [{"introduced": "0"}, {"fixed": "3.1.3"}],
        ["CVE-2024-22195"],
        "Jinja vulnerable to Cross-Site Scripting (XSS)",
        severity="MODERATE",
    ),
    # ecdsa: Minerva timing attack, no fixed version (high).
    _entry(
        "GHSA-wj6h-64fc-37mp",
        "ecdsa",
        [{"introduced": "0"}],
        ["CVE-2024-23342"],
        "Minerva timing attack on P-256 in python-ecdsa",
        cvss="CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:H/A:N",
    ),
]


def write_osv(directory: Path) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    for entry in ENTRIES:
        (directory / f"{entry['id']}.json").write_text(json.dumps(entry), "utf-8")
    return directory


def build_db(osv: Path, target: Path, age_days: float = 0.0) -> Path:
    """A database whose data is ``age_days`` old: the entries' ``modified`` times (what the
    age counts from) and the sync time are both set that far back."""
    now = dt.datetime.now(dt.UTC) - dt.timedelta(days=age_days)
    dated = target / "osv-source"
    dated.mkdir(parents=True, exist_ok=True)
    for file in osv.glob("*.json"):
        entry = json.loads(file.read_text("utf-8"))
        entry["modified"] = now.isoformat()
        (dated / file.name).write_text(json.dumps(entry), "utf-8")
    sync(dated, target, now=now)
    return target
