"""The on-disk database: location, opening, corruption, status and freshness."""

from __future__ import annotations

import datetime as dt
import gc
import json
from pathlib import Path

import pytest
from packaging.version import Version

from gatekeeper.advisories import (
    ENV_DB,
    DBStatus,
    Freshness,
    default_db_path,
    open_db,
    open_source,
    resolve_db_path,
)
from gatekeeper.advisories.osv import version_key
from gatekeeper.advisories.paths import DB_FILE
from gatekeeper.advisories.store import MAGIC, write_db
from gatekeeper.advisories.sync import sync
from gatekeeper.errors import AdvisoryDataError

NOW = dt.datetime(2026, 1, 10, 12, 0, tzinfo=dt.UTC)


def _status(**changes: object) -> DBStatus:
    values: dict[str, object] = {
        "source": "test",
        "sha256": "0" * 64,
        "fetched_at": NOW,
        "advisories": 1,
        "packages": 1,
        "skipped": 0,
    }
    values.update(changes)
    return DBStatus(**values)  # type: ignore[arg-type]


RECORD = {
    "id": "PYSEC-2021-142",
    "aliases": ["CVE-2020-14343"],
    "summary": "s",
    "severity": "critical",
    "cvss": None,
    "ranges": [[[[0, None], [2, version_key(Version("5.4")), "5.4", "5.4"]], []]],
    "versions": [],
}


def test_default_db_path_per_platform(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    assert default_db_path({}, "linux") == tmp_path / ".cache" / "gatekeeper" / "advisories"
    assert default_db_path({"XDG_CACHE_HOME": "/xdg"}, "linux") == Path(
        "/xdg/gatekeeper/advisories"
    )
    # A relative XDG_CACHE_HOME is invalid per the spec and ignored.
    assert default_db_path({"XDG_CACHE_HOME": "rel"}, "linux").parent.parent == tmp_path / ".cache"
    assert default_db_path({}, "darwin") == (
        tmp_path / "Library" / "Caches" / "gatekeeper" / "advisories"
    )
    assert default_db_path({"LOCALAPPDATA": "/lad"}, "win32") == Path(
        "/lad/gatekeeper/Cache/advisories"
    )
    assert default_db_path({}, "win32") == (
        tmp_path / "AppData" / "Local" / "gatekeeper" / "Cache" / "advisories"
    )
    assert default_db_path({"GATEKEEPER_CACHE_DIR": "/gk"}, "linux") == Path("/gk/advisories")
    assert default_db_path().name == "advisories"
    cache = {"GATEKEEPER_CACHE_DIR": "~/c", "XDG_CACHE_HOME": "/xdg"}
    for platform in ("linux", "darwin", "win32"):
        assert default_db_path(cache, platform) == tmp_path / "c" / "advisories"


def test_resolve_db_path_order(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    assert resolve_db_path(tmp_path / "x", {ENV_DB: "/env"}) == tmp_path / "x"
    assert resolve_db_path(None, {ENV_DB: "/env"}) == Path("/env")
    assert resolve_db_path("", {"XDG_CACHE_HOME": "/c"}) == Path("/c/gatekeeper/advisories")
    monkeypatch.setenv(ENV_DB, str(tmp_path / "from-env"))
    assert resolve_db_path() == tmp_path / "from-env"


def test_missing_database_says_how_to_sync(tmp_path: Path) -> None:
    with pytest.raises(AdvisoryDataError) as caught:
        open_db(tmp_path / "nowhere")
    assert str(caught.value) == (
        f"{tmp_path / 'nowhere'}: no advisory database (run `gatekeeper advisories sync`)"
    )
    assert caught.value.exit_code == 2


def test_open_db_uses_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    write_db(tmp_path / "envdb", _status(), {"pyyaml": [RECORD]})
    monkeypatch.setenv(ENV_DB, str(tmp_path / "envdb"))
    with open_db() as db:
        assert db.has_package("PyYAML")
        assert db.status.path == str(tmp_path / "envdb" / DB_FILE)
    # open_source without an OSV URL is the local database too.
    source = open_source()
    assert source.fix_version("pyyaml", "5.3") == "5.4"
    source.close()


def test_write_db_round_trip_and_file_path(tmp_path: Path) -> None:
    written = write_db(tmp_path / "d", _status(advisories=3, skipped=2), {"pyyaml": [RECORD]})
    assert written == tmp_path / "d" / DB_FILE
    assert written.read_bytes().startswith(MAGIC)
    with open_db(written) as db:  # the .gkdb file itself also works
        # No data date given: the sync time stands in for it, and is stored as such.
        assert db.status == _status(advisories=3, skipped=2, path=str(written), data_date=NOW)
        assert list(db.packages()) == ["pyyaml"]
        assert repr(db) == f"AdvisoryDB({str(written)!r}, packages=1)"
        (vuln,) = db.vulnerabilities("pyyaml", "5.3")
        assert vuln.id == "PYSEC-2021-142"
    assert [p.name for p in (tmp_path / "d").iterdir()] == [DB_FILE]


def test_naive_fetched_at_is_read_as_utc(tmp_path: Path) -> None:
    path = write_db(tmp_path, _status(), {"p": [RECORD]})
    _rewrite_header(path, fetched_at="2026-01-10T12:00:00")
    with open_db(path) as db:
        assert db.status.fetched_at == NOW


def _rewrite_header(path: Path, **fields: object) -> None:
    magic, header, rest = path.read_bytes().split(b"\n", 2)
    data = json.loads(header)
    data.update(fields)
    path.write_bytes(magic + b"\n" + json.dumps(data).encode() + b"\n" + rest)


@pytest.mark.parametrize(
    ("content", "why"),
    [
        (b"", "bad magic"),
        (b"GKADV 2\n{}\n", "bad magic"),
        (MAGIC + b"{not json\n", "unreadable header"),
        (MAGIC + b"[]\n", "bad header fields"),
        (MAGIC + b'{"index": {}}\n', "bad header fields"),
    ],
)
def test_corrupt_headers(tmp_path: Path, content: bytes, why: str) -> None:
    path = tmp_path / DB_FILE
    path.write_bytes(content)
    with pytest.raises(AdvisoryDataError, match=why) as caught:
        open_db(tmp_path)
    assert caught.value.path == str(path)
    assert "rebuild" in str(caught.value)


def test_bad_fetched_at(tmp_path: Path) -> None:
    path = write_db(tmp_path, _status(), {"p": [RECORD]})
    _rewrite_header(path, fetched_at="yesterday")
    with pytest.raises(AdvisoryDataError, match="bad fetched_at"):
        open_db(path)


@pytest.mark.parametrize("index", [{"p": [0, 5]}, {"p": "nope"}, {"p": [0]}, {"p": [10**9, 10]}])
def test_corrupt_entries_fail_at_lookup(tmp_path: Path, index: object) -> None:
    path = write_db(tmp_path, _status(), {"p": [RECORD]})
    _rewrite_header(path, index=index)
    with open_db(path) as db, pytest.raises(AdvisoryDataError, match="unreadable entry for 'p'"):
        db.vulnerabilities("p", "1.0")


@pytest.mark.parametrize(
    "record", [{"id": "X"}, {**RECORD, "severity": "apocalyptic"}, {**RECORD, "ranges": [[1]]}]
)
def test_damaged_records_are_corrupt(tmp_path: Path, record: dict[str, object]) -> None:
    path = write_db(tmp_path, _status(), {"p": [record]})
    with open_db(path) as db, pytest.raises(AdvisoryDataError, match="unreadable entry"):
        db.records("p")


def test_unreadable_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / DB_FILE).mkdir()
    with pytest.raises(AdvisoryDataError, match="not a regular file"):
        open_db(tmp_path)
    path = write_db(tmp_path / "db", _status(), {"p": [RECORD]})

    def refuse(*args: object, **kwargs: object) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(Path, "open", refuse)  # what a mode-000 file does to non-root
    with pytest.raises(AdvisoryDataError, match="cannot read the advisory database: Permission"):
        open_db(path)


def test_close_is_idempotent_and_garbage_collection_closes(tmp_path: Path) -> None:
    path = write_db(tmp_path, _status(), {"p": [RECORD]})
    db = open_db(path)
    db.close()
    db.close()
    other = open_db(path)
    del other
    gc.collect()


def test_a_synced_database_keeps_serving_while_replaced(tmp_path: Path, facts_zip: Path) -> None:
    sync(facts_zip, tmp_path / "db")
    with open_db(tmp_path / "db") as old:
        sync(facts_zip, tmp_path / "db")
        # The old handle still reads the old file's consistent snapshot.
        assert old.vulnerabilities("pyyaml", "5.3.1")[0].id == "GHSA-8q59-q68h-6hv4"


@pytest.mark.parametrize(
    ("age", "expected"),
    [
        (dt.timedelta(hours=1), Freshness.FRESH),
        (dt.timedelta(days=2), Freshness.FRESH),
        (dt.timedelta(days=2, seconds=1), Freshness.STALE),
        (dt.timedelta(days=14), Freshness.STALE),
        (dt.timedelta(days=15), Freshness.EXPIRED),
        (-dt.timedelta(minutes=30), Freshness.FRESH),  # a small clock skew: never negative
        (-dt.timedelta(days=1), Freshness.FUTURE),  # beyond the skew: cannot be trusted
    ],
)
def test_freshness(age: dt.timedelta, expected: Freshness) -> None:
    status = _status(fetched_at=NOW - age)
    assert status.freshness(2, 14, now=NOW) is expected
    assert status.age(NOW) >= dt.timedelta(0)
    assert status.age_days(NOW) == pytest.approx(max(age.total_seconds(), 0) / 86400)


def test_age_counts_from_the_data_not_the_sync() -> None:
    """A two-year-old snapshot synced today is two years old, and the sync time is kept."""
    old = _status(fetched_at=NOW, data_date=NOW - dt.timedelta(days=730))
    assert old.freshness(2, 14, now=NOW) is Freshness.EXPIRED
    assert old.age_days(NOW) == pytest.approx(730)
    assert old.fetched_at == NOW
    future = _status(fetched_at=NOW, data_date=NOW + dt.timedelta(days=400))
    assert future.in_future(NOW) and future.freshness(2, 14, now=NOW) is Freshness.FUTURE


def test_age_defaults_to_now() -> None:
    assert _status(fetched_at=dt.datetime.now(dt.UTC)).age() < dt.timedelta(minutes=5)


def test_a_file_that_fails_to_read(tmp_path: Path) -> None:
    # Opening /proc/self/mem works, reading its first page fails with EIO.
    (tmp_path / DB_FILE).symlink_to("/proc/self/mem")
    with pytest.raises(AdvisoryDataError, match="cannot read the advisory database: Input/output"):
        open_db(tmp_path)


def test_a_path_through_a_file(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    with pytest.raises(AdvisoryDataError, match="cannot read the advisory database: Not a dir"):
        open_db(tmp_path / "file" / "db")
