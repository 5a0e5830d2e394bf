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
        "synced 9 advisories for 6 packages (0 skipped, 1 withdrawn, 2 warnings) from "
    )
    # The data's own date (the newest "modified"), not the sync time, is how old it is.
    assert "data as of 2024-09-26T15:14:34+00:00" in done.stdout
    # PYSEC-2019-125 is kept; only its unparseable "fixed" event is dropped, with a warning.
    warnings = [line for line in done.stderr.splitlines() if "warning:" in line]
    assert any("PYSEC-2019-125" in w and "ignored event fixed '2019-09-12'" in w for w in warnings)
    assert any("2.10-final" in w for w in warnings)

    status = gatekeeper("advisories", "status", "--db", str(db))
    assert status.returncode == 0, status.stderr
    lines = dict(line.split(":", 1) for line in status.stdout.splitlines())
    assert lines["source"].strip() == str(facts_zip.resolve())
    assert lines["advisories"].strip() == "9"
    assert lines["packages"].strip() == "6"
    assert lines["skipped"].strip() == "0 invalid, 1 withdrawn, 2 warnings"
    assert lines["data as of"].strip().startswith("2024-09-26T15:14:34+00:00 (")
    assert "days old)" in lines["data as of"] and "FUTURE" not in lines["data as of"]
    assert lines["synced at"].strip().startswith("20")

    as_json = gatekeeper("advisories", "status", "--db", str(db), "--json")
    info = json.loads(as_json.stdout)
    assert info["advisories"] == 9 and info["packages"] == 6 and info["age_days"] > 400
    assert info["data_date"] == "2024-09-26T15:14:34+00:00" and info["in_future"] is False
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
        "modified": "2024-01-01T00:00:00Z",
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
    assert "advisories:  9" in gatekeeper("advisories", "status", "--db", db).stdout


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
