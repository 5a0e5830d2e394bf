"""`gatekeeper advisories sync|status` through the real console script, exit codes included."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from tests.advisories import facts
from tests.advisories.conftest import FileServer, write_tree, write_zip
from tests.servers import bin_path, free_port

pytestmark = pytest.mark.slow  # every test here starts a subprocess or a server


def gatekeeper(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("GATEKEEPER_")}
    return subprocess.run(
        [bin_path("gatekeeper"), *args],
        env={**clean, **(env or {})},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_sync_then_status(tmp_path: Path, facts_zip: Path) -> None:
    db = tmp_path / "db"
    done = gatekeeper("advisories", "sync", "--from", str(facts_zip), "--db", str(db))
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(
        "synced 8 advisories for 5 packages (1 skipped, 1 withdrawn, 2 warnings) from "
    )
    # Skipped entries are listed before ignored versions.
    warnings = [line for line in done.stderr.splitlines() if "warning:" in line]
    assert "skipped" in warnings[0] and "PYSEC-2019-125" in warnings[0]
    assert "2.10-final" in warnings[1]

    status = gatekeeper("advisories", "status", "--db", str(db))
    assert status.returncode == 0, status.stderr
    lines = dict(line.split(":", 1) for line in status.stdout.splitlines())
    assert lines["source"].strip() == str(facts_zip.resolve())
    assert lines["advisories"].strip() == "8"
    assert lines["packages"].strip() == "5"
    assert lines["skipped"].strip() == "1 invalid, 1 withdrawn, 2 warnings"
    assert "(0.0 days ago)" in lines["fetched at"]

    as_json = gatekeeper("advisories", "status", "--db", str(db), "--json")
    info = json.loads(as_json.stdout)
    assert info["advisories"] == 8 and info["packages"] == 5 and info["age_days"] < 1
    assert len(info["sha256"]) == 64


def test_environment_variables(tmp_path: Path, file_server: FileServer) -> None:
    write_zip(file_server.root / "mirror.zip", [facts.GHSA_8Q59, facts.GHSA_WJ6H])
    env = {
        "GATEKEEPER_ADVISORY_DB": str(tmp_path / "envdb"),
        "GATEKEEPER_ADVISORY_SOURCE": f"{file_server.url}/mirror.zip",
    }
    done = gatekeeper("advisories", "sync", env=env)
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    assert f"from {file_server.url}/mirror.zip into {tmp_path / 'envdb'}" in done.stdout
    status = gatekeeper("advisories", "status", env=env)
    assert "packages:    2" in status.stdout


def test_verbose_prints_every_warning(tmp_path: Path) -> None:
    entry = {
        "id": "PYSEC-2008-8",
        "affected": [
            {
                "package": {"name": "legacy", "ecosystem": "PyPI"},
                "versions": ["1.0", *(f"0.{i}-pokemon" for i in range(12))],
            }
        ],
    }
    tree = write_tree(tmp_path / "tree", [entry], ".yaml")
    short = gatekeeper("advisories", "sync", "--from", str(tree), "--db", str(tmp_path / "a"))
    assert short.returncode == 0
    assert short.stderr.count("warning:") == 10
    assert "... and 2 more warnings (--verbose shows them all)" in short.stderr
    full = gatekeeper("advisories", "sync", "-v", "--from", str(tree), "--db", str(tmp_path / "b"))
    assert full.stderr.count("warning:") == 12
    assert "more warnings" not in full.stderr


def test_no_database_is_exit_2(tmp_path: Path) -> None:
    done = gatekeeper("advisories", "status", "--db", str(tmp_path / "none"))
    assert done.returncode == 2
    assert done.stderr == (
        f"gatekeeper: error: {tmp_path / 'none'}: no advisory database "
        "(run `gatekeeper advisories sync`)\n"
    )


def test_corrupt_zip_is_exit_2_and_keeps_the_database(tmp_path: Path, facts_zip: Path) -> None:
    db = str(tmp_path / "db")
    assert gatekeeper("advisories", "sync", "--from", str(facts_zip), "--db", db).returncode == 0
    bad = tmp_path / "bad.zip"
    bad.write_bytes(b"not a zip at all")
    done = gatekeeper("advisories", "sync", "--from", str(bad), "--db", db)
    assert done.returncode == 2
    assert done.stderr == (
        f"gatekeeper: error: {bad.resolve()}: not a valid zip archive (BadZipFile)\n"
    )
    assert "advisories:  8" in gatekeeper("advisories", "status", "--db", db).stdout


def test_unreachable_source_is_exit_3(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{free_port()}/all.zip"
    done = gatekeeper("advisories", "sync", "--from", url, "--db", str(tmp_path / "db"))
    assert done.returncode == 3
    assert done.stderr == (
        f"gatekeeper: error: {url}: the advisory source is unreachable: ConnectError"
        " after 3 attempts\n"
    )


def test_usage_errors_are_exit_2(tmp_path: Path) -> None:
    assert gatekeeper("advisories").returncode == 2
    refused = gatekeeper("advisories", "sync", "--from", "http://mirror.example/all.zip")
    assert refused.returncode == 2
    assert "refusing plain HTTP to mirror.example" in refused.stderr


def test_help_lists_the_commands() -> None:
    done = gatekeeper("advisories", "--help")
    assert done.returncode == 0
    assert "sync" in done.stdout and "status" in done.stdout
