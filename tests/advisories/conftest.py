from __future__ import annotations

import functools
import json
import subprocess
import sys
import threading
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import yaml

from gatekeeper.advisories import AdvisoryDB, open_db
from gatekeeper.advisories.sync import sync
from tests.advisories.facts import Entry, all_entries


def write_zip(path: Path, entries: Iterable[Entry]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for entry in entries:
            archive.writestr(f"{entry['id']}.json", json.dumps(entry, indent=1))
    return path


def write_tree(root: Path, entries: Iterable[Entry], suffix: str = ".yaml") -> Path:
    """The PyPA advisory-database layout: vulns/<package>/<ID>.yaml."""
    for entry in entries:
        affected = entry.get("affected") or [{"package": {"name": "unknown"}}]
        folder = root / "vulns" / affected[0]["package"]["name"]
        folder.mkdir(parents=True, exist_ok=True)
        file = folder / f"{entry['id']}{suffix}"
        if suffix == ".json":
            file.write_text(json.dumps(entry, indent=1))
        else:
            file.write_text(yaml.safe_dump(entry, sort_keys=False))
    return root


@pytest.fixture
def entries() -> list[Entry]:
    return all_entries()


@pytest.fixture
def facts_zip(tmp_path: Path, entries: list[Entry]) -> Path:
    return write_zip(tmp_path / "osv.zip", entries)


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Iterable[AdvisoryDB]:
    """A database synced from every fact, shared by a module's read-only tests."""
    root = tmp_path_factory.mktemp("db")
    source = write_zip(root / "osv.zip", all_entries())
    sync(source, root / "db")
    with open_db(root / "db") as opened:
        yield opened


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


@dataclass
class FileServer:
    """A real HTTP server on loopback serving ``root`` (a mirror of advisory exports)."""

    root: Path
    url: str


@pytest.fixture(scope="session")
def file_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FileServer]:
    root = tmp_path_factory.mktemp("www")
    handler = functools.partial(_QuietHandler, directory=str(root))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield FileServer(root, f"http://127.0.0.1:{server.server_address[1]}")
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


REPO_ROOT = Path(__file__).resolve().parents[2]
OSV_SERVER = REPO_ROOT / "bench" / "audit" / "osv_server.py"


@dataclass
class OsvApi:
    """bench/audit/osv_server.py serving the facts: an OSV API like api.osv.dev."""

    base: str

    @property
    def query_url(self) -> str:
        return f"{self.base}/v1/query"


@pytest.fixture(scope="session")
def osv_api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OsvApi]:
    data = write_tree(tmp_path_factory.mktemp("osv-data"), all_entries(), ".json")
    process = subprocess.Popen(
        [sys.executable, str(OSV_SERVER), str(data), "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert line.startswith("listening on "), line
        yield OsvApi(line.split()[-1])
    finally:
        process.terminate()
        process.wait(timeout=10)
        if process.stdout is not None:
            process.stdout.close()
