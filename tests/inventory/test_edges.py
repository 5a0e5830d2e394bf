"""The edges: odd answers from the contents API, the cache's bad files, the progress counter,
the optional backends, and the CLI printing to stdout with an advisory database."""

from __future__ import annotations

import base64
import io
import json
from pathlib import Path

import pytest

from gatekeeper.cli import main
from gatekeeper.errors import GatekeeperError
from gatekeeper.github.settings import Access
from gatekeeper.inventory import enrich
from gatekeeper.inventory.cache import EtagCache
from gatekeeper.inventory.fetch import Progress
from gatekeeper.inventory.model import Package, Row
from gatekeeper.inventory.run import Options, build
from gatekeeper.inventory.sources import advisory_source, index_client
from tests.advisories.test_store import RECORD, _status
from tests.inventory.conftest import TOKEN
from tests.inventory.fake_org import ORG, FakeOrg

# A loopback fake of GitHub's API serves these tests: a server, so slow.
pytestmark = pytest.mark.slow

CONTENTS = "/repos/corp/{}/contents/{}"


def _file(path: str, data: bytes, encoding: str = "base64") -> dict[str, object]:
    content = base64.b64encode(data).decode() if encoding == "base64" else ""
    return {"type": "file", "path": path, "encoding": encoding, "content": content}


def test_odd_files_become_notes(org: FakeOrg, access: Access, options: Options) -> None:
    org.repos = {
        "big": {"requirements.txt": "x\n", "pyproject.toml": "y\n", "docs/index.md": "d\n"},
        "plain": {"requirements.txt": "flask==3.0.0\n"},
        "odd": {"requirements.txt": "flask==3.0.0\n"},
    }
    org.fail("GET", CONTENTS.format("big", "requirements.txt"), 200, body=_file("r", b"", "none"))
    org.fail("GET", CONTENTS.format("big", "pyproject.toml"), 200, body=_file("p", b"\xff"))
    # An answer without an ETag is used, and not cached.
    listing = [{"type": "file", "path": "requirements.txt"}, {"type": "x"}, "junk"]
    org.fail("GET", CONTENTS.format("plain", ""), 200, body=listing)
    # A root that is not a listing shows no files: no Python project.
    org.fail("GET", CONTENTS.format("odd", ""), 200, body={"type": "file"})
    result = build(ORG, access, options)
    assert result.not_python == 1
    rows = {r.service: r for r in result.rows}
    assert rows["big"].notes == (
        "pyproject.toml: not UTF-8 text",
        "requirements.txt: not readable through the contents API (over 1 MB?)",
    )
    assert rows["big"].team is None  # docs/ has no CODEOWNERS: a 404, skipped
    assert [p.describe() for p in rows["plain"].frameworks] == ["flask 3.0.0"]


@pytest.mark.parametrize("status", [304, 410])
def test_a_bad_answer_ends_the_run(
    org: FakeOrg, access: Access, options: Options, status: int
) -> None:
    org.fail("GET", CONTENTS.format("svc-000", ""), status, body={"message": "Gone"})
    with pytest.raises(GatekeeperError) as caught:
        build(ORG, access, options)
    assert caught.value.exit_code == 3 and "GitHub" in str(caught.value)


def test_cache_ignores_bad_files(tmp_path: Path) -> None:
    path = tmp_path / "c.json"
    path.write_text("[1]")
    assert EtagCache(path).etag("u") is None
    path.write_text(json.dumps({"u": ["e", "b"], "v": ["e"], "w": [1, 2]}))
    cache = EtagCache(path)
    assert (cache.etag("u"), cache.etag("v"), cache.etag("w")) == ("e", None, None)


def test_progress_on_a_terminal_only() -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    terminal = Terminal()
    progress = Progress(2, terminal)
    progress.tick()
    progress.tick()
    progress.close()
    assert terminal.getvalue() == "\rinventory: 1/2 repositories\rinventory: 2/2 repositories\n"
    quiet = Progress(1, io.StringIO())
    quiet.tick()
    quiet.close()
    assert quiet.stream is None and quiet.done == 1
    Progress(0, Terminal()).close()  # nothing done: no line end either


def test_build_with_an_index_and_advisories(org: FakeOrg, access: Access, options: Options) -> None:
    org.repos = {"a": {"requirements.txt": "corp-x==1.0\nflask==1.0\n"}}

    class Index:
        def versions(self, name: str) -> list[str]:
            return ["1.0", "1.1"]

    class Advisories:
        def vulnerabilities(self, name: str, version: str) -> list[object]:
            return [object(), object()] if name == "flask" else []

    result = build(ORG, access, options, index=Index(), advisories=Advisories())  # type: ignore[arg-type]
    [row] = result.rows
    assert row.findings == 2 and result.advisories
    assert row.internal[0].describe(internal=True) == "corp-x 1.0 (1 behind 1.1)"


def test_one_index_request_per_name() -> None:
    asked: list[str] = []

    class Index:
        def versions(self, name: str) -> None:
            asked.append(name)

    rows = [Row(s, internal=(Package("corp-a", "1"),)) for s in ("x", "y")]
    assert enrich.with_index(rows, Index()) == rows  # type: ignore[arg-type]
    assert asked == ["corp-a"]


def test_optional_backends(tmp_path: Path) -> None:
    from gatekeeper.advisories.store import write_db

    with index_client(None) as none, advisory_source(tmp_path / "missing") as missing:
        assert none is None and missing is None
    with index_client("http://127.0.0.1:9/simple/") as client:
        assert client is not None and client.url.endswith("/simple/")
    write_db(tmp_path / "db", _status(), {"pyyaml": [RECORD]})
    with advisory_source(tmp_path / "db") as source:
        assert source is not None and source.has_package("pyyaml")


def test_cli_to_stdout_counts_findings(
    org: FakeOrg,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from gatekeeper.advisories.store import write_db

    org.repos = {"yaml-svc": {"requirements.txt": "pyyaml==5.3\n"}}
    write_db(tmp_path / "db", _status(), {"pyyaml": [RECORD]})
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    monkeypatch.setenv("GITHUB_API_URL", org.url)
    monkeypatch.chdir(tmp_path)
    assert main(["inventory", "--org", ORG, "--format", "json", "--db", str(tmp_path / "db")]) == 0
    captured = capsys.readouterr()
    [row] = json.loads(captured.out)["rows"]
    assert row["findings"] == 1
    assert "no advisory database" not in captured.err and TOKEN not in captured.err
