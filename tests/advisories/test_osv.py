"""Normalizing OSV entries: every invalid shape is skipped with a reason, never a crash."""

from __future__ import annotations

import json
from typing import Any

import pytest
from packaging.version import Version

from gatekeeper.advisories.osv import (
    FIXED,
    INTRODUCED,
    LAST_AFFECTED,
    SUMMARY_LIMIT,
    InvalidEntry,
    canonical_version,
    compile_range,
    in_ranges,
    normalize_entry,
    normalize_name,
    summary_of,
    version_key,
)
from tests.advisories import facts


def test_normalize_the_pyyaml_fact() -> None:
    result = normalize_entry(facts.PYSEC_2021_142, "x.json")
    assert result.id == "PYSEC-2021-142" and not result.withdrawn and result.warnings == []
    record = result.records["pyyaml"]
    assert record["aliases"] == ["CVE-2020-14343", "GHSA-8q59-q68h-6hv4"]
    assert record["ranges"] == [
        [[[INTRODUCED, None], [FIXED, version_key(Version("5.4")), "5.4", "5.4"]], []]
    ]
    # Every listed version is below 5.4: the range already says so, the list adds nothing.
    assert record["versions"] == []
    assert record["severity"] is None and record["cvss"] is None


def test_withdrawn_entries_are_flagged_without_records() -> None:
    result = normalize_entry(facts.WITHDRAWN, "w.json")
    assert result.withdrawn and result.records == {}


def test_foreign_ecosystems_are_ignored() -> None:
    assert normalize_entry(facts.NPM_ONLY, "n.json").records == {}


def test_several_affected_items_for_one_package_are_combined() -> None:
    entry = {
        "id": "PYSEC-X",
        "aliases": ["PYSEC-X", " CVE-1 ", ""],
        "affected": [
            {
                "package": {"name": "Foo_Bar", "ecosystem": "PyPI"},
                "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "1"}]}],
                "versions": ["0.5", "0.5.0"],
            },
            {
                "package": {"name": "foo-bar", "ecosystem": "PyPI"},
                "versions": ["0.5", "2.0"],
            },
        ],
    }
    result = normalize_entry(entry, "f.json")
    record = result.records["foo-bar"]
    assert record["aliases"] == ["CVE-1"]
    assert record["versions"] == ["2"]  # 0.5 is inside the range
    assert len(record["ranges"]) == 1


@pytest.mark.parametrize(
    ("entry", "reason"),
    [
        (["not", "an", "object"], "not an OSV object"),
        ({"affected": []}, "missing or empty 'id'"),
        ({"id": "  "}, "missing or empty 'id'"),
        ({"id": "X", "aliases": "CVE-1"}, "'aliases' is not a list of strings"),
        ({"id": "X", "aliases": [1]}, "'aliases' is not a list of strings"),
        ({"id": "X", "affected": {"package": {}}}, "'affected' is not a list"),
        ({"id": "X", "affected": ["pyyaml"]}, "has no 'package' object"),
        ({"id": "X", "affected": [{"package": "pyyaml"}]}, "has no 'package' object"),
        ({"id": "X", "affected": [{"package": {"ecosystem": "PyPI"}}]}, "without a name"),
        ({"id": "X", "affected": [{"package": {"ecosystem": "PyPI", "name": " "}}]}, "without"),
    ],
)
def test_malformed_entries_are_rejected(entry: Any, reason: str) -> None:
    with pytest.raises(InvalidEntry, match=reason):
        normalize_entry(entry, "bad.json")


def _pypi(**item: Any) -> dict[str, Any]:
    return {"id": "X-1", "affected": [{"package": {"name": "p", "ecosystem": "PyPI"}, **item}]}


@pytest.mark.parametrize(
    ("item", "reason"),
    [
        ({"ranges": {"type": "ECOSYSTEM"}}, "'ranges' is not a list"),
        ({"ranges": ["ECOSYSTEM"]}, "a range is not an object"),
        ({"ranges": [{"type": "ECOSYSTEM"}]}, "'events' is not a non-empty list"),
        ({"ranges": [{"type": "ECOSYSTEM", "events": []}]}, "'events' is not a non-empty list"),
        ({"versions": "1.0"}, "'versions' is not a list"),
    ],
)
def test_invalid_structures_name_the_entry(item: dict[str, Any], reason: str) -> None:
    with pytest.raises(InvalidEntry, match=f"bad.json: X-1: .*{reason}"):
        normalize_entry(_pypi(**item), "bad.json")


@pytest.mark.parametrize(
    ("events", "reason"),
    [
        ([{"introduced": "0", "fixed": "1"}], "exactly one key"),
        (["introduced"], "exactly one key"),
        ([{"introduced": "0"}, {"removed": "1"}], "unknown event 'removed'"),
        ([{"introduced": "0"}, {"fixed": "2019-09-12"}], "fixed '2019-09-12' is not a PEP 440"),
        ([{"introduced": "0"}, {"fixed": 5.4}], "fixed is not a string"),
        ([{"introduced": "0"}, {"limit": "x.y"}], "limit 'x.y' is not a PEP 440"),
        ([{"fixed": "1.0"}], "no 'introduced' event"),
    ],
)
def test_invalid_ranges(events: list[Any], reason: str) -> None:
    with pytest.raises(InvalidEntry, match=reason):
        compile_range(events)


def test_invalid_explicit_versions_are_ignored_with_a_warning() -> None:
    result = normalize_entry(_pypi(versions=["1.0", "2.0.0-final", 3]), "v.json")
    assert result.records["p"]["versions"] == ["1"]
    assert result.warnings == [
        "v.json: X-1: ignored version '2.0.0-final' is not a PEP 440 version",
        "v.json: X-1: ignored version is not a string: 3",
    ]


def _readable(events: list[Any]) -> list[Any]:
    """Compiled events with kinds named and keys replaced by the versions they stand for."""
    keys = {v: version_key(Version(v)) for v in ("0.dev0", "1", "1.4", "1.5", "2", "3")}
    names = {json.dumps(k): v for v, k in keys.items()}
    kinds = {INTRODUCED: "introduced", LAST_AFFECTED: "last_affected", FIXED: "fixed"}
    return [
        [kinds[kind], "0" if key is None else names[json.dumps(key)], *rest]
        for kind, key, *rest in events
    ]


@pytest.mark.parametrize(
    ("events", "compiled"),
    [
        # Sorted by version; fixes carry their text and canonical form.
        (
            [{"fixed": "2.0"}, {"introduced": "1"}],
            [["introduced", "1"], ["fixed", "2", "2.0", "2"]],
        ),
        # "0" sorts below every version, even 0.dev0.
        (
            [{"introduced": "0.dev0"}, {"introduced": "0"}, {"last_affected": "1.4"}],
            [["introduced", "0"], ["introduced", "0.dev0"], ["last_affected", "1.4"]],
        ),
        # At one version: introduced, then last_affected, then fixed.
        (
            [{"fixed": "1"}, {"last_affected": "1"}, {"introduced": "1"}],
            [["introduced", "1"], ["last_affected", "1"], ["fixed", "1", "1", "1"]],
        ),
    ],
)
def test_events_are_compiled_in_order(events: list[Any], compiled: list[Any]) -> None:
    assert _readable(compile_range(events)[0]) == compiled


@pytest.mark.parametrize(
    ("events", "probes"),
    [
        # A second "introduced" inside an open interval changes nothing.
        (
            [{"introduced": "1"}, {"introduced": "1.5"}, {"fixed": "2"}],
            {"0.9": False, "1": True, "1.7": True, "2": False},
        ),
        # A "fixed" outside any interval changes nothing.
        (
            [{"introduced": "1"}, {"fixed": "2"}, {"fixed": "3"}],
            {"1.5": True, "2": False, "2.5": False, "3": False},
        ),
        # introduced == fixed is empty; last_affected includes its own version.
        ([{"fixed": "1"}, {"introduced": "1"}], {"1": False, "0.5": False}),
        ([{"introduced": "1"}, {"last_affected": "1.4"}], {"1.4": True, "1.4.post1": False}),
        # last_affected and fixed at one version: the fix wins at that version.
        (
            [{"introduced": "0"}, {"fixed": "1"}, {"last_affected": "1"}],
            {"0.1": True, "1": False},
        ),
        ([{"introduced": "1"}], {"0.9": False, "1": True, "100": True}),
    ],
)
def test_in_ranges(events: list[Any], probes: dict[str, bool]) -> None:
    ranges = [compile_range(events)]
    for text, affected in probes.items():
        assert in_ranges(version_key(Version(text)), ranges) is affected, text


TRICKY = [
    "0.dev0",
    "0",
    "0.0.1",
    "0.9",
    "1.0.dev0",
    "1.0.dev1",
    "1.0a1.dev0",
    "1.0a1",
    "1.0a2",
    "1.0b1",
    "1.0rc1",
    "1.0rc1.post1",
    "1.0",
    "1.0.0",
    "1.0+abc",
    "1.0+abc.1",
    "1.0+abc.2",
    "1.0+1",
    "1.0+1.abc",
    "1.0+2",
    "1.0.post0.dev0",
    "1.0.post0",
    "1.0.post1",
    "1.0.post1+x",
    "1.0.1",
    "1.1.dev0",
    "1.1a1.post2.dev3",
    "1.1",
    "2",
    "10",
    "1!0.1",
    "1!1.0.dev0",
    "2!0",
]


def test_version_keys_sort_and_compare_like_pep_440() -> None:
    versions = [Version(v) for v in TRICKY]
    for a in versions:
        for b in versions:
            ka, kb = version_key(a), version_key(b)
            assert (ka < kb) is (a < b), (a, b)
            assert (ka == kb) is (a == b), (a, b)
    # The keys survive a JSON round trip unchanged (they are what the database stores).
    assert all(json.loads(json.dumps(version_key(v))) == version_key(v) for v in versions)


def test_limits_are_kept_and_star_means_none() -> None:
    limits = compile_range([{"introduced": "0"}, {"limit": "2.0"}, {"limit": "*"}])[1]
    assert limits == [version_key(Version("2"))]


def test_summary_prefers_summary_then_details_on_one_line() -> None:
    assert summary_of({"summary": "Short", "details": "long"}) == "Short"
    assert summary_of({"details": "line one\n\nline   two"}) == "line one line two"
    assert summary_of({}) == ""
    long = summary_of({"details": "x " * SUMMARY_LIMIT})
    assert len(long) <= SUMMARY_LIMIT and long.endswith("\u2026")


def test_normalize_name() -> None:
    assert normalize_name("Foo.Bar__baz") == "foo-bar-baz"


def test_canonical_version_matches_packaging() -> None:
    from packaging.utils import canonicalize_version

    for text in [*TRICKY, "0.0", "1.0.0.0", "1!2.0.0rc1.post0.dev3+Ubuntu-1", "2.0.0a0"]:
        version = Version(text)
        assert canonical_version(version) == canonicalize_version(version), text
