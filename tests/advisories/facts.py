"""OSV entries built from real advisory facts (IDs, aliases, ranges and vectors as published).

Where a range kind has no convenient real example (``limit``), the entry uses an ``OSV-TEST-``
ID so nobody mistakes it for a published advisory.
"""

from __future__ import annotations

import copy
from typing import Any

Entry = dict[str, Any]

CRITICAL_V3 = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"  # 9.8
HIGH_V3 = "CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:H/A:N"  # 7.4
MEDIUM_V3 = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:L/A:N"  # 5.3
CRITICAL_V4 = "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"  # 9.3
V2_HIGH = "AV:N/AC:L/Au:N/C:P/I:P/A:P"  # 7.5


def _affected(name: str, *events: dict[str, str], versions: list[str] | None = None) -> Entry:
    item: Entry = {"package": {"name": name, "ecosystem": "PyPI", "purl": f"pkg:pypi/{name}"}}
    if events:
        item["ranges"] = [{"type": "ECOSYSTEM", "events": list(events)}]
    if versions is not None:
        item["versions"] = versions
    return item


# PyYAML before 5.4: arbitrary code execution in full_load (CVE-2020-14343), as PyPA published it.
PYSEC_2021_142: Entry = {
    "id": "PYSEC-2021-142",
    "details": "A vulnerability was discovered in the PyYAML library in versions before 5.4, "
    "where it is susceptible to arbitrary code execution when it processes untrusted YAML "
    "files through the full_load method or with the FullLoader loader.",
    "aliases": ["CVE-2020-14343", "GHSA-8q59-q68h-6hv4"],
    "modified": "2021-08-27T03:22:18.913334Z",
    "published": "2021-02-09T21:15:00Z",
    "affected": [
        _affected(
            "pyyaml",
            {"introduced": "0"},
            {"fixed": "5.4"},
            versions=["3.10", "5.1", "5.3.1", "5.4b1", "5.4b2"],
        )
    ],
}

# The same vulnerability as GitHub published it: another ID, a CVSS vector, a summary.
GHSA_8Q59: Entry = {
    "id": "GHSA-8q59-q68h-6hv4",
    "summary": "Improper Input Validation in PyYAML",
    "details": "A vulnerability was discovered in the PyYAML library in versions before 5.4.",
    "aliases": ["CVE-2020-14343"],
    "modified": "2024-09-26T15:14:34Z",
    "published": "2021-04-20T16:15:17Z",
    "severity": [{"type": "CVSS_V3", "score": CRITICAL_V3}],
    "database_specific": {"severity": "CRITICAL"},
    "affected": [_affected("PyYAML", {"introduced": "0"}, {"fixed": "5.4"})],
}

# PyYAML before 5.3.1: arbitrary code execution through python/object/new (CVE-2020-1747).
PYSEC_2020_96: Entry = {
    "id": "PYSEC-2020-96",
    "details": "A vulnerability was discovered in the PyYAML library in versions before 5.3.1.",
    "aliases": ["CVE-2020-1747", "GHSA-6757-jp84-gxfx"],
    "modified": "2021-06-10T06:51:00Z",
    "affected": [_affected("pyyaml", {"introduced": "5.1b7"}, {"fixed": "5.3.1"})],
    "severity": [{"type": "CVSS_V3", "score": CRITICAL_V3}],
}

# Django SQL injection in QuerySet.annotate() (CVE-2022-28346): three fixed branches.
PYSEC_2022_190: Entry = {
    "id": "PYSEC-2022-190",
    "details": "An issue was discovered in Django 2.2 before 2.2.28, 3.2 before 3.2.13, and "
    "4.0 before 4.0.4. QuerySet.annotate(), aggregate(), and extra() methods are subject to "
    "SQL injection in column aliases.",
    "aliases": ["CVE-2022-28346", "GHSA-2gwj-7jmv-h26r"],
    "modified": "2022-04-20T00:00:00Z",
    "affected": [
        {
            "package": {"name": "django", "ecosystem": "PyPI"},
            "ranges": [
                {
                    "type": "ECOSYSTEM",
                    "events": [
                        {"introduced": "2.2"},
                        {"fixed": "2.2.28"},
                        {"introduced": "3.2"},
                        {"fixed": "3.2.13"},
                        {"introduced": "4.0"},
                        {"fixed": "4.0.4"},
                    ],
                },
                {
                    "type": "GIT",
                    "repo": "https://github.com/django/django",
                    "events": [
                        {"introduced": "0"},
                        {"fixed": "2c09e68ec911919360d5f8502cefc312f9e03c5d"},
                    ],
                },
            ],
        }
    ],
    "database_specific": {"severity": "CRITICAL"},
}

# Django denial of service in UserAttributeSimilarityValidator (CVE-2021-45115), medium.
PYSEC_2022_1: Entry = {
    "id": "PYSEC-2022-1",
    "details": "An issue was discovered in Django 2.2 before 2.2.26, 3.2 before 3.2.11, and "
    "4.0 before 4.0.1. UserAttributeSimilarityValidator incurred significant overhead.",
    "aliases": ["CVE-2021-45115", "GHSA-53qw-q765-4fww"],
    "modified": "2022-01-05T00:00:00Z",
    "severity": [{"type": "CVSS_V3", "score": MEDIUM_V3}],
    "affected": [
        _affected(
            "Django",
            {"introduced": "2.2"},
            {"fixed": "2.2.26"},
            {"introduced": "3.2"},
            {"fixed": "3.2.11"},
            {"introduced": "4.0"},
            {"fixed": "4.0.1"},
        )
    ],
}

# python-ecdsa Minerva timing attack (CVE-2024-23342): no fix, last_affected 0.19.0.
GHSA_WJ6H: Entry = {
    "id": "GHSA-wj6h-64fc-37mp",
    "summary": "Minerva timing attack on P-256 in python-ecdsa",
    "aliases": ["CVE-2024-23342"],
    "modified": "2024-01-23T00:00:00Z",
    "severity": [{"type": "CVSS_V3", "score": HIGH_V3}],
    "database_specific": {"severity": "HIGH"},
    "affected": [_affected("ecdsa", {"introduced": "0"}, {"last_affected": "0.19.0"})],
}

# Jinja2 sandbox escape via str.format_map (CVE-2019-10906): an explicit versions list only.
PYSEC_2019_217: Entry = {
    "id": "PYSEC-2019-217",
    "details": "In Pallets Jinja before 2.10.1, str.format_map allows a sandbox escape.",
    "aliases": ["CVE-2019-10906", "GHSA-462w-v97r-4m45"],
    "modified": "2021-07-05T00:00:00Z",
    "affected": [
        {
            "package": {"name": "jinja2", "ecosystem": "PyPI"},
            "ranges": [
                {
                    "type": "GIT",
                    "repo": "https://github.com/pallets/jinja",
                    "events": [
                        {"introduced": "0"},
                        {"fixed": "a2a6c930bcca591a25d2b316fcfd2d6793897b26"},
                    ],
                }
            ],
            "versions": ["2.10", "2.10.0", "2.9.6", "2.10-final", "1!3.0"],
        }
    ],
}

# A limit event: affected from 1.0 with no fix, but only below the 2.0 line.
OSV_TEST_LIMIT: Entry = {
    "id": "OSV-TEST-LIMIT",
    "summary": "limit event example",
    "modified": "2024-01-01T00:00:00Z",
    "severity": [{"type": "CVSS_V4", "score": CRITICAL_V4}],
    "affected": [_affected("limited", {"introduced": "1.0"}, {"limit": "2.0"}, {"limit": "*"})],
}

# Withdrawn: urllib3 entry that was later retracted (shape as osv.dev serves withdrawn entries).
WITHDRAWN: Entry = {
    "id": "PYSEC-2023-212",
    "withdrawn": "2023-11-01T00:00:00Z",
    "aliases": ["CVE-2023-43804"],
    "modified": "2023-11-01T00:00:00Z",
    "affected": [_affected("urllib3", {"introduced": "0"}, {"fixed": "1.26.17"})],
}

# PYSEC-2019-125 as published (pypa advisory-database): its "fixed" event is a date, not a
# version. osv.dev sorts it above every real version, so every steam release is affected.
INVALID_FIXED_DATE: Entry = {
    "id": "PYSEC-2019-125",
    "details": "Valve Steam Client before 2019-09-12 allows placing or appending partially "
    "controlled filesystem content, as demonstrated by file modifications on Windows in the "
    "context of NT AUTHORITY\\SYSTEM.",
    "aliases": ["CVE-2019-17180"],
    "modified": "2020-01-16T13:15:00Z",
    "affected": [_affected("steam", {"introduced": "0"}, {"fixed": "2019-09-12"})],
}

# PYSEC-2021-371 as published: an ECOSYSTEM "fixed" of "0.2.0-n653" (not PEP 440) next to a
# GIT range naming a commit.
INVALID_FIXED_SUFFIX: Entry = {
    "id": "PYSEC-2021-371",
    "details": "BinderHub is a kubernetes-based cloud service ... remote code execution.",
    "aliases": ["CVE-2021-39159", "GHSA-9jjr-qqfp-ppwx"],
    "modified": "2021-09-01T12:23:00Z",
    "affected": [
        {
            "package": {"name": "binderhub", "ecosystem": "PyPI", "purl": "pkg:pypi/binderhub"},
            "ranges": [
                {
                    "type": "GIT",
                    "repo": "https://github.com/jupyterhub/binderhub",
                    "events": [
                        {"introduced": "0"},
                        {"fixed": "195caac172690456dcdc8cc7a6ca50e05abf8182.patch"},
                    ],
                },
                {"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "0.2.0-n653"}]},
            ],
        }
    ],
}

# An npm entry in the same export is not ours.
NPM_ONLY: Entry = {
    "id": "GHSA-npm0-only-test",
    "modified": "2024-01-01T00:00:00Z",
    "affected": [
        {
            "package": {"name": "lodash", "ecosystem": "npm"},
            "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}, {"fixed": "4.17.21"}]}],
        }
    ],
}


def all_entries() -> list[Entry]:
    """Every fact above, deep-copied so a test may mutate its own."""
    return copy.deepcopy(
        [
            PYSEC_2021_142,
            GHSA_8Q59,
            PYSEC_2020_96,
            PYSEC_2022_190,
            PYSEC_2022_1,
            GHSA_WJ6H,
            PYSEC_2019_217,
            OSV_TEST_LIMIT,
            WITHDRAWN,
            INVALID_FIXED_DATE,
            NPM_ONLY,
        ]
    )
