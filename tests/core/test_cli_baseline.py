"""``--write-baseline`` (:mod:`gatekeeper.cli.baseline`) through ``gatekeeper sast``: fingerprints
that survive line moves, counted (N accepted hide at most N), stale entries reported, unparsable
files never accepted; and the command itself."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from gatekeeper.cli import baseline, main
from gatekeeper.errors import InputError
from gatekeeper.model import GateResult

EVAL = "eval(data)\n"  # bandit B307: medium severity, high confidence: fails at fail_at
BASELINE = ".gatekeeper/sast-baseline.json"


@pytest.fixture
def root(tmp_path: Path) -> Path:
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "app.py").write_text("data = input()\n" + EVAL * 5 + "import pickle\n")
    return repo


@pytest.fixture
def policy(tmp_path: Path) -> Path:
    path = tmp_path / "policy.toml"
    path.write_text(f'[sast]\ncache = false\nbaseline = "{BASELINE}"\n')
    return path


def _report(
    root: Path, policy: Path, capsys: pytest.CaptureFixture[str]
) -> tuple[int, dict[str, Any]]:
    code = main(["sast", str(root), "--policy", str(policy), "-f", "json"])
    return code, json.loads(capsys.readouterr().out)


def _rules(report: dict[str, Any]) -> list[str]:
    return sorted(f["rule_id"] for g in report["gates"] for f in g["findings"] if f["blocking"])


def test_n_accepted_hide_at_most_n_and_survive_moving_down(
    root: Path, policy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["sast", str(root)]) == 1  # the policy's baseline is not written yet
    capsys.readouterr()
    assert main(["sast", str(root), "--policy", str(policy), "--write-baseline"]) == 0
    assert "written to" in capsys.readouterr().err
    (entry,) = json.loads((root / BASELINE).read_text())["entries"]  # pickle is info: not kept
    assert (entry["rule_id"], entry["count"], entry["path"]) == ("B307", 5, "app.py")
    assert "eval" not in entry["fingerprint"]
    code, report = _report(root, policy, capsys)
    assert code == 0 and report["summary"]["pre_existing"] == 5
    source = (root / "app.py").read_text()
    (root / "app.py").write_text("\n" * 10 + source)  # moved down ten lines: still hidden
    assert _report(root, policy, capsys)[0] == 0
    (root / "app.py").write_text(source + EVAL)  # a sixth: it fails, the five do not
    code, report = _report(root, policy, capsys)
    assert code == 1 and _rules(report) == ["B307"] and report["summary"]["pre_existing"] == 5
    (root / "app.py").write_text("data = input()\n" + EVAL * 3)  # two gone: a stale entry
    code, report = _report(root, policy, capsys)
    (stale,) = [f for g in report["gates"] for f in g["findings"] if f["rule_id"] == "GK-POL-005"]
    assert code == 0 and stale["severity"] == "info" and "2 finding(s) fewer" in stale["message"]


def test_an_unparsable_file_is_never_accepted(
    root: Path, policy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (root / "broken.py").write_text("def broken(:\n")
    assert main(["sast", str(root), "--policy", str(policy), "--write-baseline"]) == 0
    entries = json.loads((root / BASELINE).read_text())["entries"]
    assert [e["rule_id"] for e in entries] == ["B307"]
    capsys.readouterr()
    # even written by hand, the entry hides nothing
    broken = {"rule_id": "GK-SST-002", "fingerprint": "x", "count": 1, "path": "broken.py"}
    code, report = _report(root, policy, capsys)
    (finding,) = [f for g in report["gates"] for f in g["findings"] if f["rule_id"] == "GK-SST-002"]
    broken["fingerprint"] = finding["fingerprint"]
    (root / BASELINE).write_text(json.dumps({"version": 1, "entries": [*entries, broken]}))
    code, report = _report(root, policy, capsys)
    assert code == 1 and _rules(report) == ["GK-SST-002"]


def test_write_to_a_named_path_without_a_configured_baseline(
    root: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "out" / "accepted.json"
    assert main(["sast", str(root), "--write-baseline", str(target)]) == 0
    assert json.loads(target.read_text())["entries"][0]["count"] == 5
    assert "under [sast]" in capsys.readouterr().err
    assert main(["sast", str(root), "--write-baseline"]) == 0
    assert (root / BASELINE).is_file()


def test_a_gate_that_errors_writes_nothing(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    class Broken:
        never_baselined: frozenset[str] = frozenset()

        def run(self, ctx: object) -> GateResult:
            return GateResult.errored("backend down")

    monkeypatch.setattr("gatekeeper.gates.load_gate", lambda name: Broken())
    with pytest.raises(InputError, match="sast errored, no baseline written: backend down"):
        baseline.write(root, "sast", None, "")
    assert not (root / BASELINE).exists()


def test_the_default_path_names_the_gate() -> None:
    assert baseline.default_path("sast") == ".gatekeeper/sast-baseline.json"
