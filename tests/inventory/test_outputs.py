"""Each output format, the CLI, and the enrichment with an index and advisories."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from gatekeeper.cli import main
from gatekeeper.github.settings import Access
from gatekeeper.inventory import enrich
from gatekeeper.inventory.model import Inventory, Package, Row
from gatekeeper.inventory.render import COLUMNS, render
from gatekeeper.inventory.run import Options, build
from tests.inventory.conftest import TOKEN
from tests.inventory.fake_org import ORG, FakeOrg

# A loopback fake of GitHub's API serves these tests: a server, so slow.
pytestmark = pytest.mark.slow


@pytest.fixture
def inventory(org: FakeOrg, access: Access, options: Options) -> Inventory:
    return build(ORG, access, options)


def test_csv_markdown_json(inventory: Inventory) -> None:
    table = list(csv.reader(io.StringIO(render(inventory, "csv"))))
    assert tuple(table[0]) == COLUMNS and len(table) == 1 + len(inventory.rows)
    first = dict(zip(COLUMNS, table[1], strict=True))
    assert first["service"] == "svc-000" and first["generation"] == "naughty"
    assert first["gatekeeper in CI"] == "no" and first["open findings"] == "n/a"
    empty = dict(zip(COLUMNS, next(r for r in table if r[0] == "svc-005"), strict=True))
    assert empty["notes"] == "empty repository" and empty["team"] == ""

    markdown = render(inventory, "markdown").splitlines()
    assert markdown[0] == "# Inventory of corp"
    assert "skipped 11 archived and 11 non-Python" in markdown[2]
    assert markdown[4].startswith("| service | team |")
    assert any(line.startswith("| svc-002 | @corp/team-2 @corp/sre | 3.14 |") for line in markdown)

    data = json.loads(render(inventory, "json"))
    assert data["archived"] == 11 and len(data["rows"]) == len(inventory.rows)
    uv = next(r for r in data["rows"] if r["service"] == "svc-001")
    assert uv["frameworks"][0] == {
        "name": "fastapi",
        "version": "0.115.0",
        "specifier": "==0.115.0",
        "latest": None,
        "behind": None,
    }


def test_html_is_self_contained_and_coloured(inventory: Inventory) -> None:
    page = render(inventory, "html")
    assert "http://" not in page and "https://" not in page and "<link" not in page
    assert page.count('class="gen-naughty"') == sum(
        r.generation == "naughty" for r in inventory.rows
    )
    assert 'style="background-color: #c6efce"' in page  # current: green
    assert "<script>" in page and "#sort=" not in page.split("<script>")[0]


def test_index_and_advisories() -> None:
    row = Row(
        "svc",
        internal=(Package("corp-auth", "1.0.0"), Package("corp-new", None, ">=1")),
        pins=(("flask", "2.0.0"), ("corp-auth", "1.0.0")),
    )

    class Index:
        def versions(self, name: str) -> list[str] | None:
            return {"corp-auth": ["0.9", "1.0.0", "1.1.0", "1.2.0", "2.0.0rc1"]}.get(name)

    class Advisories:
        def vulnerabilities(self, name: str, version: str) -> list[object]:
            return [object()] if name == "flask" else []

    [done] = enrich.with_index([row], Index())  # type: ignore[arg-type]
    assert [p.describe(internal=True) for p in done.internal] == [
        "corp-auth 1.0.0 (2 behind 1.2.0)",
        "corp-new >=1 (behind: unknown)",
    ]
    counted, empty = enrich.with_advisories([done, Row("e", empty=True)], Advisories())  # type: ignore[arg-type]
    assert counted.findings == 1 and empty.findings is None
    assert enrich.behind(Package("x", "1.0"), ["1.0"]).describe(internal=True) == "x 1.0 (latest)"
    assert enrich.behind(Package("x", "main"), ["1.0"]).behind is None
    assert enrich.behind(Package("x", "1.0"), ["2.0rc1"]).behind is None


def test_cli_writes_the_file_and_never_the_token(
    org: FakeOrg,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    monkeypatch.setenv("GITHUB_API_URL", org.url)
    monkeypatch.setenv("GATEKEEPER_ADVISORY_DB", str(tmp_path / "no-db"))
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "inventory.csv"
    assert main(["inventory", "--org", ORG, "--format", "csv", "-o", str(out)]) == 0
    assert out.read_text().startswith("service,team,")
    err = capsys.readouterr().err
    assert "skipped 11 archived" in err and "no advisory database" in err
    assert TOKEN not in err and TOKEN not in out.read_text()

    monkeypatch.delenv("GITHUB_TOKEN")
    assert main(["inventory", "--org", ORG]) == 2
    assert "inventory needs GITHUB_TOKEN" in capsys.readouterr().err
