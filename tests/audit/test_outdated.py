from __future__ import annotations

import json
from pathlib import Path

import pytest
from packaging.version import Version

from gatekeeper.deps.outdated import Row, wanted
from tests.helpers import run_cli
from tests.servers import free_port


def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    root.mkdir()
    (root / "requirements.txt").write_text(
        "PyYAML==5.3.1\nrequests>=2,<2.20\ncorp-lib==1.2\nmissing-pkg==1.0\n", "utf-8"
    )
    (root / "pyproject.toml").write_text(
        '[project]\nname = "app"\ndependencies = ["onlypre"]\n', "utf-8"
    )
    return root


@pytest.mark.slow
def test_table_against_a_pep691_index(tmp_path: Path, index_url: str) -> None:
    proc = run_cli("outdated", str(repo(tmp_path)), "--index-url", f"{index_url}/json/simple/")
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0].split() == ["package", "current", "wanted", "latest", "location"]
    rows = {line.split()[0]: line.split()[1:] for line in lines[1:]}
    assert rows["PyYAML"] == ["5.3.1", "5.3.1", "6.0.1", "requirements.txt:1"]
    assert rows["requests"] == ["-", "2.19.0", "2.31.0", "requirements.txt:2"]
    assert rows["onlypre"] == ["-", "1.0a1", "1.0a1", "pyproject.toml:3"]  # only pre-releases
    assert rows["missing-pkg"] == ["1.0", "-", "not", "found", "requirements.txt:4"]
    assert "corp-lib" not in rows  # up to date


@pytest.mark.slow
def test_json_all_and_env_index(tmp_path: Path, index_url: str) -> None:
    proc = run_cli(
        "outdated",
        str(repo(tmp_path)),
        "--all",
        "--json",
        env={"GATEKEEPER_INDEX_URL": f"{index_url}/html/simple/"},
    )
    assert proc.returncode == 0, proc.stderr
    rows = {r["package"]: r for r in json.loads(proc.stdout)}
    assert rows["corp-lib"] == {
        "package": "corp-lib",
        "current": "1.2",
        "wanted": "1.2",
        "latest": "1.2",
        "location": "requirements.txt:3",
    }
    assert rows["missing-pkg"]["latest"] is None


@pytest.mark.slow
def test_policy_index_and_up_to_date(tmp_path: Path, index_url: str) -> None:
    root = tmp_path / "repo"
    root.mkdir()
    (root / "requirements.txt").write_text("corp-lib==1.2\ncorp-lib==1.2\n", "utf-8")
    (root / "pyproject.toml").write_text(
        f'[tool.gatekeeper.internal]\nindex_url = "{index_url}/json/simple/"\n', "utf-8"
    )
    proc = run_cli("outdated", str(root))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "every dependency is up to date\n"


@pytest.mark.slow
def test_unreachable_index_exits_3(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{free_port()}/simple/"
    proc = run_cli("outdated", str(repo(tmp_path)), "--index-url", url)
    assert proc.returncode == 3
    assert "unreachable" in proc.stderr


def test_wanted_and_row() -> None:
    versions = [Version("1.0"), Version("2.0"), Version("3.0b1")]
    assert wanted(versions, "<3") == Version("2.0")
    assert wanted(versions, ">=4") is None
    row = Row("x", None, None, None, "r.txt:1")
    assert row.outdated and row.cells() == ("x", "-", "-", "not found", "r.txt:1")
