"""Hostile advisory data: one bad version in a real advisory, huge records, YAML aliases, deep
JSON, huge integers, odd zip members, a corrupt or future-dated database. Each is a warning or
a clear AdvisoryDataError (exit 2) naming the file; none is a traceback or a silent loss."""

from __future__ import annotations

import datetime as dt
import json
import zipfile
from pathlib import Path

import httpx
import pytest

from gatekeeper.advisories import Freshness, open_db
from gatekeeper.advisories.osv import compile_range, normalize_entry
from gatekeeper.advisories.sources import open_zip, parse_document
from gatekeeper.advisories.store import MAGIC
from gatekeeper.advisories.sync import sync
from gatekeeper.deps.index import IndexClient, version_of
from gatekeeper.errors import AdvisoryDataError, BackendUnavailable, InputError
from gatekeeper.json_input import load_json
from tests.advisories import facts
from tests.advisories.conftest import write_tree, write_zip
from tests.advisories.test_online import _mocked

DEEP = b"[" * 100_000 + b"]" * 100_000
HUGE_INT = b'{"id": ' + b"9" * 5000 + b"}"
# 628 bytes that expand to 9^9 strings when composed: a "billion laughs".
ALIAS_BOMB = b"""\
a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
"""


# --- one bad event keeps the advisory --------------------------------------------------------


def test_real_advisories_with_one_unparseable_version_are_kept(tmp_path: Path) -> None:
    """PYSEC-2019-125 (steam) and PYSEC-2021-371 (binderhub), as published: pip-audit crashes
    on them and a strict parser drops them; osv.dev leaves their ranges open."""
    source = write_zip(tmp_path / "osv.zip", [facts.INVALID_FIXED_DATE, facts.INVALID_FIXED_SUFFIX])
    result = sync(source, tmp_path / "db")
    assert (result.status.advisories, result.status.skipped) == (2, 0)
    assert result.status.warnings == 2
    assert any("fixed '0.2.0-n653'" in w and "range left open" in w for w in result.warnings)
    with open_db(tmp_path / "db") as db:
        assert [v.id for v in db.vulnerabilities("steam", "0.9.1")] == ["PYSEC-2019-125"]
        (binderhub,) = db.vulnerabilities("binderhub", "0.2.0")
        assert binderhub.id == "GHSA-9jjr-qqfp-ppwx"  # the GHSA alias is the primary ID


@pytest.mark.parametrize(
    ("events", "affected"),
    [
        ([{"introduced": "0"}, {"fixed": "2019-09-12"}], True),  # the fix is out of reach
        ([{"introduced": "0"}, {"last_affected": "x.y"}], True),
        ([{"introduced": "0"}, {"limit": "x.y"}], True),
        ([{"introduced": "not-a-version"}], False),  # opens nothing
        ([{"introduced": "1" * 5000}], False),  # beyond the interpreter's digit limit
    ],
)
def test_a_bad_event_is_skipped_like_osv_dev(events: list[dict[str, str]], affected: bool) -> None:
    skipped: list[str] = []
    entry = {"id": "X-1", "affected": [{"package": {"name": "p", "ecosystem": "PyPI"}}]}
    entry["affected"][0]["ranges"] = [{"type": "ECOSYSTEM", "events": events}]  # type: ignore[index]
    result = normalize_entry(entry, "x.json")
    assert len(result.warnings) == 1 and "as osv.dev does" in result.warnings[0]
    assert len(result.warnings[0]) < 300  # a 5,000-digit version is not echoed whole
    record = result.records["p"]
    from packaging.version import Version

    from gatekeeper.advisories.osv import in_ranges, version_key

    assert in_ranges(version_key(Version("1.0")), record["ranges"]) is affected
    compile_range(events, skipped)
    assert len(skipped) == 1


def test_a_record_with_120000_versions_is_linear() -> None:
    """Deduplicating explicit versions with ``list in`` took 30 s on this record."""
    versions = [f"1.{i}" for i in range(120_000)]
    entry = {
        "id": "X-1",
        "affected": [{"package": {"name": "p", "ecosystem": "PyPI"}, "versions": versions * 2}],
    }
    record = normalize_entry(entry, "big.json").records["p"]
    assert len(record["versions"]) == 120_000


def test_the_newest_modified_time_dates_the_data(tmp_path: Path) -> None:
    entries = [
        {**facts.GHSA_8Q59, "modified": "2023-01-01T00:00:00Z"},
        {**facts.GHSA_WJ6H, "modified": "2023-06-01T10:00:00"},  # naive: UTC
        {**facts.PYSEC_2021_142, "modified": "not a time"},
        {**facts.WITHDRAWN, "modified": "2023-07-01T00:00:00Z"},
    ]
    now = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
    result = sync(write_zip(tmp_path / "osv.zip", entries), tmp_path / "db", now=now)
    assert result.status.data_date == dt.datetime(2023, 7, 1, tzinfo=dt.UTC)
    assert result.status.fetched_at == now
    assert result.status.freshness(2, 14, now=now) is Freshness.EXPIRED


def test_data_without_dates_counts_from_the_sync_and_says_so(tmp_path: Path) -> None:
    entry = {k: v for k, v in facts.GHSA_8Q59.items() if k != "modified"}
    result = sync(write_zip(tmp_path / "osv.zip", [entry]), tmp_path / "db")
    assert result.status.data_date == result.status.fetched_at
    assert any("no entry has a valid 'modified' time" in w for w in result.warnings)


def test_data_dated_in_the_future_is_refused_at_sync(tmp_path: Path) -> None:
    entry = {**facts.GHSA_8Q59, "modified": "2999-01-01T00:00:00Z"}
    with pytest.raises(AdvisoryDataError, match="dated 2999-01-01.*forged source"):
        sync(write_zip(tmp_path / "osv.zip", [entry]), tmp_path / "db")
    assert not (tmp_path / "db").exists() or not any((tmp_path / "db").iterdir())


# --- YAML, JSON, zip ------------------------------------------------------------------------


def test_a_yaml_alias_bomb_is_refused(tmp_path: Path) -> None:
    assert len(ALIAS_BOMB) <= 628
    (tmp_path / "vulns").mkdir()
    (tmp_path / "vulns" / "BOMB-1.yaml").write_bytes(ALIAS_BOMB)
    with pytest.raises(AdvisoryDataError, match="anchors and aliases are not allowed") as err:
        sync(tmp_path, tmp_path / "db")
    assert err.value.path is not None and err.value.path.endswith("BOMB-1.yaml")
    assert err.value.line == 1


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"a: " + b"9" * 5000 + b"\n", "unreadable YAML: Exceeds the limit"),
        (b"[" * 100_000, "malformed YAML"),
        (b"a: [1\n", "malformed YAML"),
    ],
)
def test_hostile_yaml(data: bytes, message: str) -> None:
    with pytest.raises(AdvisoryDataError, match=message):
        parse_document(data, "x.yaml")


def test_yaml_without_libyaml_refuses_aliases_too(monkeypatch: pytest.MonkeyPatch) -> None:
    import yaml

    monkeypatch.delattr(yaml, "CSafeLoader", raising=False)
    assert parse_document(b"id: X\n", "x.yml") == {"id": "X"}
    with pytest.raises(AdvisoryDataError, match="anchors and aliases"):
        parse_document(b"a: &a [1]\nb: *a\n", "x.yml")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (DEEP, "JSON nested too deeply"),
        (HUGE_INT, "unreadable JSON: Exceeds the limit"),
        (b'{"a": 1,}', "malformed JSON"),
        (b'{"a": "\xc3\x28"}', "not UTF-8"),
    ],
)
def test_hostile_json_in_a_sync_source(tmp_path: Path, data: bytes, message: str) -> None:
    with zipfile.ZipFile(tmp_path / "osv.zip", "w") as archive:
        archive.writestr("BAD-1.json", data)
    with pytest.raises(AdvisoryDataError, match=message) as err:
        sync(tmp_path / "osv.zip", tmp_path / "db")
    assert err.value.path is not None and err.value.path.endswith("!BAD-1.json")


def test_load_json_raises_the_error_asked_for() -> None:
    assert load_json(b'{"a": [1]}', source="s") == {"a": [1]}
    with pytest.raises(InputError, match="nested too deeply") as err:
        load_json(DEEP, source="answer")
    assert err.value.path == "answer"
    with pytest.raises(BackendUnavailable, match="malformed JSON") as backend:
        load_json("{", source="api", error=BackendUnavailable)
    assert backend.value.line == 1


def _zip_with(
    tmp_path: Path, name: str, *, flag: int = 0, method: int = zipfile.ZIP_STORED
) -> Path:
    path = tmp_path / "osv.zip"
    info = zipfile.ZipInfo(name)
    info.compress_type = method
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(info, json.dumps(facts.GHSA_8Q59))
    if flag:  # set the "encrypted" bit in both headers, as an encrypting tool would
        raw = bytearray(path.read_bytes())
        for signature, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
            at = raw.index(signature)
            raw[at + offset] |= flag
        path.write_bytes(bytes(raw))
    return path


@pytest.mark.parametrize(
    ("name", "flag", "method", "message"),
    [
        ("GHSA-1.json", 0x1, zipfile.ZIP_STORED, "encrypted"),
        ("GHSA-1.json", 0, zipfile.ZIP_BZIP2, "unsupported compression method"),
        ("../../etc/GHSA-1.json", 0, zipfile.ZIP_STORED, "escapes the archive"),
        ("/abs/GHSA-1.json", 0, zipfile.ZIP_STORED, "escapes the archive"),
    ],
)
def test_odd_zip_members_are_refused(
    tmp_path: Path, name: str, flag: int, method: int, message: str
) -> None:
    archive = _zip_with(tmp_path, name, flag=flag, method=method)
    with pytest.raises(AdvisoryDataError, match=message):
        open_zip(archive, "osv.zip")


def test_a_member_that_fails_to_decompress(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    archive = _zip_with(tmp_path, "GHSA-1.json")

    def refuse(self: zipfile.ZipFile, member: object) -> bytes:
        raise NotImplementedError("That compression method is not supported")

    monkeypatch.setattr(zipfile.ZipFile, "read", refuse)
    with pytest.raises(AdvisoryDataError, match=r"corrupt zip member \(NotImplementedError\)"):
        list(open_zip(archive, "osv.zip").documents)


# --- the database file ----------------------------------------------------------------------


def _db(tmp_path: Path) -> Path:
    sync(write_tree(tmp_path / "src", [facts.GHSA_8Q59], ".json"), tmp_path / "db")
    return tmp_path / "db" / "advisories.gkdb"


def _set_header(path: Path, header: bytes) -> None:
    _, _, rest = path.read_bytes().split(b"\n", 2)
    path.write_bytes(MAGIC + header + b"\n" + rest)


@pytest.mark.parametrize(
    ("header", "why"),
    [
        (DEEP, "unreadable header"),
        (HUGE_INT, "unreadable header"),
        (b'{"index": {}}', "bad header fields"),
    ],
)
def test_a_corrupt_header_says_to_resync(tmp_path: Path, header: bytes, why: str) -> None:
    path = _db(tmp_path)
    _set_header(path, header)
    with pytest.raises(AdvisoryDataError, match=why) as err:
        open_db(path)
    assert "advisories sync" in str(err.value)


def test_a_database_without_a_data_date_is_from_another_version(tmp_path: Path) -> None:
    path = _db(tmp_path)
    magic, header, rest = path.read_bytes().split(b"\n", 2)
    data = json.loads(header)
    del data["data_date"]
    path.write_bytes(magic + b"\n" + json.dumps(data).encode() + b"\n" + rest)
    with pytest.raises(AdvisoryDataError, match="corrupt or from another version"):
        open_db(path)


@pytest.mark.parametrize("blob", [DEEP, b'[{"id": "x"}]', b"[1]", b'{"a": 1}'])
def test_a_corrupt_blob_says_to_resync(tmp_path: Path, blob: bytes) -> None:
    path = _db(tmp_path)
    magic, header, _ = path.read_bytes().split(b"\n", 2)
    data = json.loads(header)
    data["index"] = {"pyyaml": [0, len(blob)]}
    path.write_bytes(magic + b"\n" + json.dumps(data).encode() + b"\n" + blob)
    with open_db(path) as db, pytest.raises(AdvisoryDataError, match="unreadable entry") as err:
        db.vulnerabilities("pyyaml", "5.3")
    assert "advisories sync" in str(err.value)


# --- answers from servers -------------------------------------------------------------------


@pytest.mark.parametrize("body", [DEEP, HUGE_INT])
def test_a_hostile_osv_api_answer(body: bytes) -> None:
    online = _mocked(lambda request: httpx.Response(200, content=body))
    with pytest.raises(BackendUnavailable, match="the OSV API sent invalid JSON"):
        online.records("pyyaml")


@pytest.mark.parametrize("body", [DEEP, HUGE_INT])
def test_a_hostile_index_answer(body: bytes) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        headers = {"content-type": "application/vnd.pypi.simple.v1+json"}
        return httpx.Response(200, content=body, headers=headers)

    client = IndexClient("https://index.invalid/simple/", transport=httpx.MockTransport(handler))
    with pytest.raises(BackendUnavailable, match="sent bad JSON"):
        client.versions("pyyaml")


def test_an_index_file_with_a_5000_digit_version_is_ignored() -> None:
    assert version_of("x-" + "1" * 5000 + ".tar.gz") is None


def test_a_database_that_is_not_a_regular_file(tmp_path: Path) -> None:
    import os

    os.mkfifo(tmp_path / "advisories.gkdb")  # opening it would block for ever
    with pytest.raises(AdvisoryDataError, match="not a regular file"):
        open_db(tmp_path)
    (tmp_path / "zero").mkdir()
    (tmp_path / "zero" / "advisories.gkdb").symlink_to("/dev/zero")
    with pytest.raises(AdvisoryDataError, match="not a regular file"):
        open_db(tmp_path / "zero")
