"""Syncing from a URL, a zip, a directory of JSON or YAML; atomic replace; bad input."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import zipfile
from pathlib import Path

import httpx
import pytest

from gatekeeper.advisories import open_db
from gatekeeper.advisories import sources as sources_module
from gatekeeper.advisories import store as store_module
from gatekeeper.advisories.paths import DB_FILE
from gatekeeper.advisories.sources import DEFAULT_URL, check_url
from gatekeeper.advisories.sync import sync
from gatekeeper.errors import AdvisoryDataError, BackendUnavailable, InputError, UsageError
from gatekeeper.net.retry import RetryPolicy
from tests.advisories import facts
from tests.advisories.conftest import FileServer, write_tree, write_zip
from tests.advisories.facts import Entry

EXPECTED = (9, 6, 0, 1)  # advisories, packages, skipped, withdrawn


def counts(path: Path) -> tuple[int, int, int, int]:
    with open_db(path) as db:
        s = db.status
        return (s.advisories, s.packages, s.skipped, s.withdrawn)


def test_sync_from_a_local_zip(tmp_path: Path, facts_zip: Path) -> None:
    now = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
    result = sync(facts_zip, tmp_path / "db", now=now)
    assert result.path == tmp_path / "db" / DB_FILE
    status = result.status
    assert status.source == str(facts_zip.resolve())
    assert status.sha256 == hashlib.sha256(facts_zip.read_bytes()).hexdigest()
    assert status.fetched_at == now
    assert counts(tmp_path / "db") == EXPECTED
    assert any("PYSEC-2019-125" in w and "2019-09-12" in w for w in result.warnings)
    assert result.seconds >= 0


def test_sync_from_a_url(tmp_path: Path, file_server: FileServer, entries: list[Entry]) -> None:
    write_zip(file_server.root / "all.zip", entries)
    url = f"{file_server.url}/all.zip"
    result = sync(url, tmp_path / "db")
    assert result.status.source == url
    assert (
        result.status.sha256
        == hashlib.sha256((file_server.root / "all.zip").read_bytes()).hexdigest()
    )
    assert counts(tmp_path / "db") == EXPECTED
    # The download was a temporary file next to the database, and it is gone.
    assert [p.name for p in (tmp_path / "db").iterdir()] == [DB_FILE]


def test_sync_from_a_url_with_a_given_client(tmp_path: Path, file_server: FileServer) -> None:
    write_zip(file_server.root / "one.zip", [facts.GHSA_8Q59])
    with httpx.Client() as client:
        result = sync(f"{file_server.url}/one.zip", tmp_path / "db", client=client)
        assert not client.is_closed
    assert result.status.advisories == 1


@pytest.mark.parametrize("suffix", [".json", ".yaml", ".yml"])
def test_sync_from_a_directory(tmp_path: Path, entries: list[Entry], suffix: str) -> None:
    tree = write_tree(tmp_path / "advisory-database", entries, suffix)
    (tree / ".git").mkdir()
    (tree / ".git" / "ignored.json").write_text("not json")
    (tree / "README.md").write_text("# not an advisory")
    result = sync(tree, tmp_path / "db")
    assert result.status.source == str(tree.resolve())
    assert counts(tmp_path / "db") == EXPECTED
    with open_db(tmp_path / "db") as db:
        assert db.vulnerabilities("pyyaml", "5.3.1")[0].aliases == (
            "CVE-2020-14343",
            "PYSEC-2021-142",
        )
    # The same tree gives the same digest.
    assert sync(tree, tmp_path / "db2").status.sha256 == result.status.sha256


def test_the_default_source_is_osv_dev() -> None:
    assert DEFAULT_URL == "https://osv-vulnerabilities.storage.googleapis.com/PyPI/all.zip"


def test_default_source_when_unreachable(tmp_path: Path, no_pause: None) -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        assert str(request.url) == DEFAULT_URL
        raise httpx.ConnectError("no route", request=request)

    client = httpx.Client(transport=httpx.MockTransport(refuse))
    with pytest.raises(BackendUnavailable, match="unreachable: ConnectError after 3 attempts"):
        sync(None, tmp_path / "db", client=client)


def test_http_errors_are_backend_unavailable(tmp_path: Path, file_server: FileServer) -> None:
    with pytest.raises(BackendUnavailable) as caught:
        sync(f"{file_server.url}/missing.zip", tmp_path / "db")
    assert str(caught.value) == (
        f"{file_server.url}/missing.zip: the advisory source answered HTTP 404"
    )
    assert caught.value.exit_code == 3
    assert not any((tmp_path / "db").iterdir())


def test_unreachable_server(tmp_path: Path) -> None:
    from tests.servers import free_port

    with pytest.raises(BackendUnavailable, match="ConnectError"):
        sync(f"http://127.0.0.1:{free_port()}/all.zip", tmp_path / "db")


def test_interrupted_download_leaves_nothing(tmp_path: Path) -> None:
    def boom(request: httpx.Request) -> httpx.Response:
        raise KeyboardInterrupt

    client = httpx.Client(transport=httpx.MockTransport(boom))
    with pytest.raises(KeyboardInterrupt):
        sync("https://mirror.example/all.zip", tmp_path / "db", client=client)
    assert list((tmp_path / "db").iterdir()) == []


@pytest.mark.parametrize(
    "url", ["http://mirror.example/all.zip", "http://10.0.0.1/all.zip", "https://"]
)
def test_plain_http_only_to_loopback(url: str) -> None:
    with pytest.raises(UsageError):
        check_url(url)


@pytest.mark.parametrize(
    "url", ["http://localhost:1/x", "http://127.0.0.2/x", "http://[::1]:8/x", "https://a.b/x"]
)
def test_allowed_urls(url: str) -> None:
    check_url(url)


def test_corrupt_zip_names_the_file(tmp_path: Path) -> None:
    bad = tmp_path / "osv.zip"
    bad.write_bytes(b"PK\x03\x04 this is not really a zip")
    with pytest.raises(AdvisoryDataError) as caught:
        sync(bad, tmp_path / "db")
    assert caught.value.path == str(bad.resolve())
    assert "not a valid zip archive (BadZipFile)" in str(caught.value)


def test_corrupt_zip_member(tmp_path: Path) -> None:
    path = write_zip(tmp_path / "osv.zip", [facts.GHSA_8Q59])
    data = bytearray(path.read_bytes())
    start = data.index(b"GHSA-8q59-q68h-6hv4.json") + len("GHSA-8q59-q68h-6hv4.json")
    for i in range(start, start + 40):  # flip compressed bytes: the CRC check must catch it
        data[i] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(AdvisoryDataError, match="corrupt zip member") as caught:
        sync(path, tmp_path / "db")
    assert caught.value.path == f"{path.resolve()}!GHSA-8q59-q68h-6hv4.json"


def test_malformed_json_names_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "osv.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("PYSEC-1.json", '{\n  "id": "PYSEC-1",\n  oops\n}')
    with pytest.raises(AdvisoryDataError) as caught:
        sync(path, tmp_path / "db")
    assert caught.value.path == f"{path.resolve()}!PYSEC-1.json"
    assert caught.value.line == 3
    assert "malformed JSON" in str(caught.value)


def test_non_utf8_json(tmp_path: Path) -> None:
    tree = tmp_path / "tree"
    tree.mkdir()
    (tree / "X.json").write_bytes(b'{"id": "\xff"}')
    with pytest.raises(AdvisoryDataError, match="not UTF-8 text"):
        sync(tree, tmp_path / "db")


def test_malformed_yaml_names_file_and_line(tmp_path: Path) -> None:
    tree = tmp_path / "tree"
    (tree / "vulns" / "pyyaml").mkdir(parents=True)
    bad = tree / "vulns" / "pyyaml" / "PYSEC-2021-142.yaml"
    bad.write_text("id: PYSEC-2021-142\naffected:\n  - package: [unclosed\n")
    with pytest.raises(AdvisoryDataError) as caught:
        sync(tree, tmp_path / "db")
    assert caught.value.path == str(bad)
    assert caught.value.line == 4
    assert "malformed YAML" in str(caught.value)


def test_yaml_error_without_a_position(monkeypatch: pytest.MonkeyPatch) -> None:
    import yaml

    def broken(data: bytes, Loader: object) -> object:  # noqa: N803
        raise yaml.YAMLError("no mark")

    monkeypatch.setattr(yaml, "load", broken)
    with pytest.raises(AdvisoryDataError) as caught:
        sources_module.parse_document(b"x", "a.yaml")
    assert caught.value.line is None


def test_missing_source(tmp_path: Path) -> None:
    with pytest.raises(AdvisoryDataError, match="no such advisory source"):
        sync(tmp_path / "nope.zip", tmp_path / "db")


def test_zip_bomb_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, facts_zip: Path
) -> None:
    monkeypatch.setattr(sources_module, "MAX_UNCOMPRESSED", 100)
    with pytest.raises(AdvisoryDataError, match="expands beyond"):
        sync(facts_zip, tmp_path / "db")


def test_a_source_without_usable_advisories_keeps_the_old_database(
    tmp_path: Path, facts_zip: Path
) -> None:
    sync(facts_zip, tmp_path / "db")
    before = (tmp_path / "db" / DB_FILE).read_bytes()
    broken = {"id": "X-1", "affected": [{"package": "not an object"}]}
    empty = write_zip(tmp_path / "empty.zip", [facts.WITHDRAWN, broken])
    with pytest.raises(
        AdvisoryDataError, match=r"no usable PyPI advisories \(1 skipped, 1 withdrawn\)"
    ):
        sync(empty, tmp_path / "db")
    assert (tmp_path / "db" / DB_FILE).read_bytes() == before


def test_failed_syncs_keep_the_previous_database(
    tmp_path: Path, facts_zip: Path, file_server: FileServer
) -> None:
    first = sync(facts_zip, tmp_path / "db")
    before = (tmp_path / "db" / DB_FILE).read_bytes()
    bad = tmp_path / "bad.zip"
    bad.write_bytes(b"garbage")
    with pytest.raises(AdvisoryDataError):
        sync(bad, tmp_path / "db")
    with pytest.raises(BackendUnavailable):
        sync(f"{file_server.url}/nothing-here.zip", tmp_path / "db")
    tree = tmp_path / "tree"
    write_tree(tree, [facts.GHSA_8Q59], ".json")
    (tree / "broken.json").write_text("{")  # a partial tree fails as a whole
    with pytest.raises(AdvisoryDataError):
        sync(tree, tmp_path / "db")
    assert (tmp_path / "db" / DB_FILE).read_bytes() == before
    assert [p.name for p in (tmp_path / "db").iterdir()] == [DB_FILE]
    with open_db(tmp_path / "db") as db:
        assert db.status.sha256 == first.status.sha256


def test_a_crash_while_writing_keeps_the_previous_database(
    tmp_path: Path, facts_zip: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sync(facts_zip, tmp_path / "db")
    before = (tmp_path / "db" / DB_FILE).read_bytes()

    def crash(src: str, dst: str) -> None:
        # The new file is complete on disk but never replaces the old one.
        assert Path(src).read_bytes().startswith(store_module.MAGIC)
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(InputError, match="advisories.gkdb: cannot write: No space left"):
        sync(write_zip(tmp_path / "other.zip", [facts.GHSA_8Q59]), tmp_path / "db")
    monkeypatch.undo()
    assert (tmp_path / "db" / DB_FILE).read_bytes() == before
    assert [p.name for p in (tmp_path / "db").iterdir()] == [DB_FILE]


def test_sync_replaces_an_existing_database(tmp_path: Path, facts_zip: Path) -> None:
    sync(facts_zip, tmp_path / "db")
    sync(write_zip(tmp_path / "one.zip", [facts.GHSA_WJ6H]), tmp_path / "db")
    assert counts(tmp_path / "db") == (1, 1, 0, 0)


def test_real_shape_zip_with_directories_and_other_files(tmp_path: Path) -> None:
    path = tmp_path / "osv.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("PyPI/", "")
        archive.writestr("PyPI/GHSA-8q59-q68h-6hv4.json", json.dumps(facts.GHSA_8Q59))
        archive.writestr("LICENSE", "CC-BY-4.0")
    assert sync(path, tmp_path / "db").status.advisories == 1


def test_database_directory_is_created(tmp_path: Path, facts_zip: Path) -> None:
    target = tmp_path / "a" / "b" / "c"
    sync(facts_zip, target)
    assert (target / DB_FILE).is_file()
    shutil.rmtree(target)


@pytest.fixture
def no_pause(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sources_module, "POLICY", RetryPolicy(attempts=3, base=0.0))


def test_transient_failures_are_retried(tmp_path: Path, facts_zip: Path, no_pause: None) -> None:
    answers: list[object] = [503, "connect-error", 200]
    calls: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(str(request.url))
        answer = answers.pop(0)
        if answer == "connect-error":
            raise httpx.ConnectError("refused", request=request)
        assert isinstance(answer, int)
        return httpx.Response(answer, content=facts_zip.read_bytes() if answer == 200 else b"")

    client = httpx.Client(transport=httpx.MockTransport(handler))
    result = sync("https://mirror.example/all.zip", tmp_path / "db", client=client)
    assert len(calls) == 3
    assert result.status.advisories == EXPECTED[0]


def test_retries_give_up_after_three_attempts(tmp_path: Path, no_pause: None) -> None:
    calls: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        return httpx.Response(503)

    client = httpx.Client(transport=httpx.MockTransport(handler))
    with pytest.raises(BackendUnavailable, match="answered HTTP 503"):
        sync("https://mirror.example/all.zip", tmp_path / "db", client=client)
    assert len(calls) == 3
    assert list((tmp_path / "db").iterdir()) == []


def test_oversized_downloads_are_refused(
    tmp_path: Path, facts_zip: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sources_module, "MAX_DOWNLOAD", 100)
    client = httpx.Client(
        transport=httpx.MockTransport(lambda r: httpx.Response(200, content=facts_zip.read_bytes()))
    )
    with pytest.raises(AdvisoryDataError, match="download exceeds 2 GiB"):
        sync("https://mirror.example/all.zip", tmp_path / "db", client=client)
    assert list((tmp_path / "db").iterdir()) == []
