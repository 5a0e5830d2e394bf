"""OSV matching semantics against a database synced from real advisory facts."""

from __future__ import annotations

import pytest
from packaging.version import InvalidVersion

from gatekeeper.advisories import AdvisoryDB, Vulnerability
from gatekeeper.advisories.matching import Compiled, Query, merge, primary_id, smallest_fix
from gatekeeper.advisories.osv import compile_range
from gatekeeper.model import Severity


def ids(vulns: list[Vulnerability]) -> list[str]:
    return [v.id for v in vulns]


def test_pyyaml_before_5_4_is_reported_once_with_every_id(db: AdvisoryDB) -> None:
    vulns = db.vulnerabilities("PyYAML", "5.3.1")
    assert ids(vulns) == ["GHSA-8q59-q68h-6hv4"]
    (vuln,) = vulns
    assert vuln.aliases == ("CVE-2020-14343", "PYSEC-2021-142")
    assert vuln.ids == ("GHSA-8q59-q68h-6hv4", "CVE-2020-14343", "PYSEC-2021-142")
    assert vuln.summary == "Improper Input Validation in PyYAML"
    assert vuln.severity is Severity.CRITICAL
    assert vuln.cvss_vector == "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"
    assert vuln.fix_version == "5.4"
    assert vuln.url == "https://osv.dev/vulnerability/GHSA-8q59-q68h-6hv4"


def test_two_vulnerabilities_and_the_fix_that_clears_both(db: AdvisoryDB) -> None:
    vulns = db.vulnerabilities("pyyaml", "5.3")
    assert ids(vulns) == ["GHSA-6757-jp84-gxfx", "GHSA-8q59-q68h-6hv4"]
    assert [v.fix_version for v in vulns] == ["5.3.1", "5.4"]
    assert db.fix_version("pyyaml", "5.3") == "5.4"
    # Before 5.1b7 only CVE-2020-14343 applies.
    assert ids(db.vulnerabilities("pyyaml", "3.10")) == ["GHSA-8q59-q68h-6hv4"]


@pytest.mark.parametrize("name", ["PyYAML", "pyyaml", "PYYAML", "pyYAML"])
def test_names_are_pep_503_normalized(db: AdvisoryDB, name: str) -> None:
    assert db.has_package(name)
    assert ids(db.vulnerabilities(name, "5.3.1")) == ["GHSA-8q59-q68h-6hv4"]


def test_separator_spellings_are_one_name(db: AdvisoryDB) -> None:
    assert db.has_package("Jinja2")
    assert not db.has_package("jinja-3")
    assert not db.has_package("requests")
    assert db.vulnerabilities("requests", "2.0.0") == []
    assert db.fix_version("requests", "2.0.0") is None


@pytest.mark.parametrize(
    ("version", "affected"),
    [
        ("5.4b1", True),  # pre-release sorts before the final release
        ("5.4rc1", True),
        ("5.4.dev0", True),
        ("5.3.1+ubuntu1", True),  # a local version of an affected release
        ("5.4", False),
        ("5.4.0", False),  # PEP 440 equality: 5.4 == 5.4.0
        ("5.4.post1", False),
        ("5.4+local", False),
        ("1!3.0", False),  # epoch 1 sorts after every epoch-0 version
        ("0!5.3", True),
        ("6.0", False),
    ],
)
def test_pep_440_versions(db: AdvisoryDB, version: str, affected: bool) -> None:
    found = "GHSA-8q59-q68h-6hv4" in ids(db.vulnerabilities("pyyaml", version))
    assert found is affected


@pytest.mark.parametrize(
    ("version", "fix"),
    [
        ("2.1", None),  # before the first introduced event
        ("2.2", "2.2.28"),
        ("2.2.27", "2.2.28"),
        ("2.2.28", None),
        ("3.0", None),  # between ranges
        ("3.2.12", "3.2.13"),
        ("4.0.3", "4.0.4"),
        ("4.0.4", None),
        ("5.0", None),
    ],
)
def test_several_introduced_fixed_pairs(db: AdvisoryDB, version: str, fix: str | None) -> None:
    vulns = [v for v in db.vulnerabilities("django", version) if v.id == "GHSA-2gwj-7jmv-h26r"]
    assert [v.fix_version for v in vulns] == ([fix] if fix else [])


def test_package_fix_clears_every_advisory(db: AdvisoryDB) -> None:
    vulns = db.vulnerabilities("Django", "3.2.10")
    assert ids(vulns) == ["GHSA-2gwj-7jmv-h26r", "GHSA-53qw-q765-4fww"]
    assert [v.fix_version for v in vulns] == ["3.2.13", "3.2.11"]
    assert db.fix_version("django", "3.2.10") == "3.2.13"
    # An unaffected version needs no fix.
    assert db.fix_version("django", "3.2.13") is None
    # Database-specific severity when there is no vector; the highest one wins.
    assert vulns[0].severity is Severity.CRITICAL and vulns[0].cvss_vector is None
    assert vulns[1].severity is Severity.MEDIUM


@pytest.mark.parametrize(
    ("version", "affected"), [("0.1", True), ("0.19.0", True), ("0.19.1", False)]
)
def test_last_affected_is_inclusive(db: AdvisoryDB, version: str, affected: bool) -> None:
    vulns = db.vulnerabilities("ecdsa", version)
    assert bool(vulns) is affected
    if affected:
        assert vulns[0].fix_version is None  # no fixed release is known
        assert db.fix_version("ecdsa", version) is None
        assert vulns[0].severity is Severity.HIGH


@pytest.mark.parametrize(
    ("version", "affected"),
    [("0.9", False), ("1.0", True), ("1.9.9", True), ("2.0", False), ("2.5", False)],
)
def test_limit_events(db: AdvisoryDB, version: str, affected: bool) -> None:
    vulns = db.vulnerabilities("limited", version)
    assert bool(vulns) is affected
    if affected:
        assert vulns[0].severity is Severity.CRITICAL
        assert vulns[0].cvss_vector is not None and vulns[0].cvss_vector.startswith("CVSS:4.0")


@pytest.mark.parametrize(
    ("version", "affected"),
    [("2.10", True), ("2.10.0", True), ("2.9.6", True), ("2.10.1", False), ("1!3.0", True)],
)
def test_explicit_versions_list(db: AdvisoryDB, version: str, affected: bool) -> None:
    vulns = db.vulnerabilities("jinja2", version)
    assert bool(vulns) is affected
    if affected:
        assert vulns[0].id == "GHSA-462w-v97r-4m45"
        assert vulns[0].severity is None  # unknown: the policy decides
        assert vulns[0].fix_version is None  # a versions list names no fix


def test_withdrawn_and_foreign_entries_are_absent(db: AdvisoryDB) -> None:
    assert db.vulnerabilities("urllib3", "1.26.0") == []
    assert not db.has_package("lodash")
    status = db.status
    assert (status.advisories, status.packages) == (9, 6)
    assert (status.skipped, status.withdrawn) == (0, 1)
    assert status.warnings == 2  # steam's skipped "fixed" event and jinja2's "2.10-final"


def test_an_unparseable_fixed_event_leaves_the_range_open(db: AdvisoryDB) -> None:
    """PYSEC-2019-125 (steam, ``fixed: "2019-09-12"``): osv.dev sorts the date above every
    version, so every steam release is affected, and no fix is known."""
    (vuln,) = db.vulnerabilities("steam", "0.9.1")
    assert vuln.id == "PYSEC-2019-125" and vuln.aliases == ("CVE-2019-17180",)
    assert db.fix_version("steam", "0.9.1") is None
    assert db.vulnerabilities("steam", "99.0")


def test_invalid_query_version_raises(db: AdvisoryDB) -> None:
    with pytest.raises(InvalidVersion):
        db.vulnerabilities("pyyaml", "not a version")


def test_records_are_read_once(db: AdvisoryDB) -> None:
    assert db.records("PyYAML") is db.records("pyyaml")
    assert db.records("nothing-here") == []


def _record(
    vid: str, aliases: list[str], events: list[dict[str, str]], **extra: object
) -> Compiled:
    return Compiled(
        {
            "id": vid,
            "aliases": aliases,
            "summary": extra.get("summary", ""),
            "severity": extra.get("severity"),
            "cvss": extra.get("cvss"),
            "ranges": [compile_range(events)],
            "versions": extra.get("versions", []),
        }
    )


def test_merge_is_transitive_and_keeps_the_highest_severity() -> None:
    a = _record("PYSEC-1", ["CVE-1"], [{"introduced": "0"}, {"fixed": "2.0"}], severity="low")
    b = _record("OSV-2", ["CVE-1", "CVE-2"], [{"introduced": "0"}, {"fixed": "2.1"}])
    c = _record(
        "CVE-2", [], [{"introduced": "0"}, {"fixed": "1.5"}], severity="high", cvss="V", summary="s"
    )
    d = _record("CVE-9", [], [{"introduced": "0"}], severity="high")
    e = _record("CVE-8", [], [{"introduced": "0"}], severity="high", cvss="W")
    merged = merge([a, b, c, d, e], Query.parse("1.0"))
    assert [v.id for v in merged] == ["PYSEC-1", "CVE-8", "CVE-9"]
    first = merged[0]
    assert first.aliases == ("CVE-1", "CVE-2", "OSV-2")
    assert (first.severity, first.cvss_vector, first.summary) == (Severity.HIGH, "V", "s")
    assert first.fix_version == "2.1"  # clears all three merged entries
    assert merge([d, e], Query.parse("1.0"))[0].id == "CVE-8"


def test_same_severity_prefers_an_entry_with_a_vector() -> None:
    a = _record("GHSA-a", [], [{"introduced": "0"}], severity="high")
    b = _record("PYSEC-a", ["GHSA-a"], [{"introduced": "0"}], severity="high", cvss="V")
    c = _record("CVE-a", ["GHSA-a"], [{"introduced": "0"}], severity="high", cvss="X")
    (merged,) = merge([a, b, c], Query.parse("1"))
    assert merged.cvss_vector == "V"


def test_primary_id_prefers_ghsa_then_pysec() -> None:
    assert primary_id(["CVE-2020-1", "PYSEC-2020-1", "GHSA-x"]) == "GHSA-x"
    assert primary_id(["CVE-2020-1", "PYSEC-2020-2", "PYSEC-2020-1"]) == "PYSEC-2020-1"
    assert primary_id(["OSV-1", "CVE-2020-1"]) == "CVE-2020-1"


def test_a_fix_reintroduced_later_is_skipped() -> None:
    # 1.1 fixes the first range but the same advisory affects 1.1 again via versions.
    rec = _record(
        "X-1",
        [],
        [{"introduced": "1.0"}, {"fixed": "1.1"}, {"introduced": "1.5"}, {"fixed": "1.6"}],
        versions=["1.1"],
    )
    assert smallest_fix([rec], Query.parse("1.0")) == "1.6"
    only_reintroduced = _record("X-2", [], [{"introduced": "0"}, {"fixed": "1.0"}], versions=["1"])
    assert smallest_fix([only_reintroduced], Query.parse("0.5")) is None


def test_listed_versions_outside_the_ranges_still_match() -> None:
    from gatekeeper.advisories.matching import compile_records, match
    from gatekeeper.advisories.osv import normalize_entry

    entry = {
        "id": "PYSEC-X",
        "affected": [
            {
                "package": {"name": "x", "ecosystem": "PyPI"},
                "ranges": [
                    {"type": "ECOSYSTEM", "events": [{"introduced": "1.0"}, {"fixed": "2.0"}]}
                ],
                "versions": ["0.9", "1.5", "2.0.1"],
            }
        ],
    }
    records = compile_records(normalize_entry(entry, "x.json").records.values())
    assert records[0].record["versions"] == ["0.9", "2.0.1"]
    for version, affected in [("0.9", True), ("0.9.0", True), ("1.5", True), ("2.0", False)]:
        assert bool(match(records, Query.parse(version))) is affected
    # 2.0 clears it, although the advisory lists 2.0.1 as affected again.
    assert smallest_fix(records, Query.parse("1.5")) == "2.0"
