"""Property tests: version keys order like PEP 440; compiled ranges match the OSV algorithm."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from packaging.version import Version

from gatekeeper.advisories.matching import Compiled, Query
from gatekeeper.advisories.osv import compile_range, version_key

_release = st.lists(st.integers(0, 3), min_size=1, max_size=3).map(
    lambda parts: ".".join(map(str, parts))
)
_pre = st.sampled_from(["", "a0", "a1", "b2", "rc1"])
_post = st.sampled_from(["", ".post0", ".post1"])
_dev = st.sampled_from(["", ".dev0", ".dev3"])
_local = st.sampled_from(["", "+1", "+abc", "+abc.2", "+2.x"])
_epoch = st.sampled_from(["", "", "", "1!"])
versions = st.builds(
    lambda e, r, pre, post, dev, local: Version(f"{e}{r}{pre}{post}{dev}{local}"),
    _epoch,
    _release,
    _pre,
    _post,
    _dev,
    _local,
)


@given(versions, versions)
@settings(max_examples=20000, deadline=None)
def test_version_keys_order_like_pep_440(a: Version, b: Version) -> None:
    assert (version_key(a) < version_key(b)) is (a < b)
    assert (version_key(a) == version_key(b)) is (a == b)


_TIE = {"introduced": 0, "last_affected": 1, "fixed": 2}


def reference(events: list[dict[str, str]], version: Version) -> bool:
    """The OSV specification's evaluation, written out directly on packaging versions."""
    limits = [Version(e["limit"]) for e in events if "limit" in e and e["limit"] != "*"]
    if limits and not any(version < limit for limit in limits):
        return False
    ordered = sorted(
        ((k, v) for e in events for k, v in e.items() if k != "limit"),
        key=lambda kv: (
            kv[1] != "0",
            Version(kv[1]) if kv[1] != "0" else Version("0"),
            _TIE[kv[0]],
        ),
    )
    affected = False
    for kind, text in ordered:
        if kind == "introduced" and (text == "0" or version >= Version(text)):
            affected = True
        elif kind == "fixed" and version >= Version(text):
            affected = False
        elif kind == "last_affected" and version > Version(text):
            affected = False
    return affected


_POOL = ["0.9", "1.0a1", "1.0", "1.0.post1", "1.1", "1.5", "2.0.dev0", "2.0", "3", "1!0.5"]
_events = st.lists(
    st.one_of(
        st.builds(lambda v: {"introduced": v}, st.sampled_from(["0", *_POOL])),
        st.builds(lambda v: {"fixed": v}, st.sampled_from(_POOL)),
        st.builds(lambda v: {"last_affected": v}, st.sampled_from(_POOL)),
        st.builds(lambda v: {"limit": v}, st.sampled_from(["*", *_POOL])),
    ),
    min_size=1,
    max_size=7,
).filter(lambda events: any("introduced" in e for e in events))


@given(_events)
@settings(max_examples=3000, deadline=None)
def test_compiled_ranges_match_the_osv_algorithm(events: list[dict[str, str]]) -> None:
    record: dict[str, Any] = {
        "id": "X",
        "aliases": [],
        "summary": "",
        "severity": None,
        "cvss": None,
        "ranges": [compile_range(events)],
        "versions": [],
    }
    compiled = Compiled(record)
    probes = [*_POOL, "0.1", "1.0rc1", "1.0+local", "1.2", "2.0.post1", "9"]
    for text in probes:
        assert compiled.affects(Query.parse(text)) is reference(events, Version(text)), text
