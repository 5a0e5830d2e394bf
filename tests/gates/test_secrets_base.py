"""PR mode for the secrets gate: a secret already at the base is pre-existing, a new one fails;
only changed files' base blobs are read; renamed files keep their secrets' fingerprints.

Planted secrets are assembled at run time, so that this file holds none whole.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from gatekeeper import runner
from gatekeeper.gates.interface import GateContext
from gatekeeper.gates.secrets.base import _gitignores
from gatekeeper.gates.secrets.gate import SecretsGate
from gatekeeper.git import GitRepo
from gatekeeper.model import JudgedFinding, Report
from gatekeeper.policy.model import Policy
from gatekeeper.policy.validate import from_mapping
from tests.gates.test_secrets import AWS, GITHUB, PASSWORD, PLANTED, PYPI, SLACK, STRIPE, URL
from tests.helpers import commit_all, git, init_repo

pytestmark = pytest.mark.slow  # real git repositories

J = "".join
NEW_TOKEN = J(["npm_", "Zz9Yy8Xx7Ww6Vv5Uu4Tt3Ss2Rr1Qq0Pp9Oo8"])
IGNORES = "*.key\n*.pem\n.env*\n*.env\n"


def _policy(**section: Any) -> Policy:
    return from_mapping(Policy, {"secrets": section})


def _report(root: Path, **section: Any) -> Report:
    return runner.run(root, _policy(**section), gates=["secrets"], base_ref="main")


def _judged(report: Report) -> list[JudgedFinding]:
    (gate,) = [g for g in report.gates if g.name == "secrets"]
    return list(gate.findings)


def _where(judged: list[JudgedFinding], pre_existing: bool) -> list[str]:
    return sorted(
        f"{j.finding.rule_id} {j.finding.location}"
        for j in judged
        if j.pre_existing is pre_existing and j.finding.rule_id != "GK-SEC-007"
    )


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """``main`` holds secrets in four files, an env file and complete ignore rules; the test
    then works on the ``feature`` branch."""
    root = init_repo(tmp_path / "repo")
    (root / "settings.py").write_text(f'CACHE = "{URL}"\n')
    (root / "config.py").write_text(f'GH = "{GITHUB}"\n')
    (root / "deploy").mkdir()
    (root / "deploy" / "aws.cfg").write_text(
        f"key = {AWS}\n" + "".join(f"# {n}\n" for n in range(20))
    )
    (root / "ops.cfg").write_text(f"slack = {SLACK}\n")
    (root / "prod.env").write_text("DEBUG=0\n")
    (root / ".gitignore").write_text(IGNORES)
    git(root, "add", "-f", "prod.env")  # ignored, but tracked all the same
    commit_all(root, "main")
    git(root, "checkout", "-q", "-b", "feature")
    return root


def test_secrets_at_the_base_are_pre_existing_and_new_ones_fail(repo: Path) -> None:
    # config.py: the old secret moves down ten lines, a new one is added below it
    (repo / "config.py").write_text("\n" * 10 + f'GH = "{GITHUB}"\nNPM = "{NEW_TOKEN}"\n')
    git(repo, "mv", "deploy/aws.cfg", "deploy/prod.cfg")  # moved with its file
    (repo / "deploy" / "prod.cfg").write_text(
        f"key = {AWS}\n" + "".join(f"# {n}\n" for n in range(20)) + "# moved\n"
    )
    (repo / "copied.cfg").write_text(f"slack = {SLACK}\n")  # an old secret in a new file
    git(repo, "mv", "prod.env", "staging.env")
    (repo / "fresh.env").write_text("X=1\n")
    git(repo, "add", "-f", "fresh.env")
    (repo / "extra.py").write_text(f'STRIPE = "{STRIPE}"\n')  # untracked: not scanned
    commit_all(repo, "feature")  # (extra.py too: it is new)
    (repo / "settings.py").write_text(f'# uncommitted\nCACHE = "{URL}"\n')
    report = _report(repo)
    judged = _judged(report)
    assert _where(judged, True) == [
        "GK-SEC-002 settings.py:2:24",
        "GK-SEC-003 config.py:11:7",
        "GK-SEC-003 deploy/prod.cfg:1:7",
        "GK-SEC-003 ops.cfg:1:9",
        "GK-SEC-005 staging.env",
    ]
    assert _where(judged, False) == [
        "GK-SEC-003 config.py:12:8",
        "GK-SEC-003 copied.cfg:1:9",
        "GK-SEC-003 extra.py:1:11",
        "GK-SEC-005 fresh.env",
    ]
    assert report.exit_code == 1


def test_a_clean_change_passes_and_only_changed_files_are_read_at_the_base(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (repo / "config.py").write_text(f'# a comment\nGH = "{GITHUB}"\n')
    (repo / "ops.cfg").unlink()
    (repo / "notes.md").write_text("nothing secret\n")
    commit_all(repo)
    asked: list[list[str]] = []
    original = GitRepo.blobs

    def blobs(self: GitRepo, ids: list[str], limit: int = 0) -> dict[str, bytes]:
        asked.append(ids)
        return original(self, ids, limit)

    monkeypatch.setattr(GitRepo, "blobs", blobs)
    report = _report(repo)
    assert report.exit_code == 0 and report.summary.pre_existing == 4
    config_at_main = git(repo, "rev-parse", "main:config.py").strip()
    assert asked == [[config_at_main]]  # not the deleted, added or unchanged files


def test_hostile_base_blobs_are_skipped(repo: Path) -> None:
    (repo / "bin.dat").write_bytes(b"\0" + f"k = {PYPI}\n".encode())
    os.symlink("settings.py", repo / "link.py")
    commit_all(repo)
    git(repo, "branch", "-f", "main")
    (repo / "bin.dat").write_text(f"k = {PYPI}\n")  # binary at the base, text now: new
    (repo / "link.py").unlink()
    (repo / "link.py").write_text(f"c = {URL}\n")  # a symlink at the base: new
    report = _report(repo)
    assert _where(_judged(report), False) == [
        "GK-SEC-002 link.py:1:19",
        "GK-SEC-003 bin.dat:1:5",
    ]


def test_a_base_blob_over_the_read_limit_is_not_read(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from gatekeeper.gates.secrets import base

    monkeypatch.setattr(base, "MAX_FILE_BYTES", 10)
    (repo / "config.py").write_text(f'# changed\nGH = "{GITHUB}"\n')
    gate = SecretsGate()
    ctx = GateContext(repo, _policy(), GitRepo(repo), base_ref="main")
    gate.run(ctx)
    baseline = gate.baseline(ctx)
    assert baseline is not None
    config = [f for f in gate.run(ctx).findings if f.location and f.location.path == "config.py"]
    assert config and config[0].fingerprint not in baseline


def test_ignore_rules_touched_in_the_change_are_read_at_the_base(repo: Path) -> None:
    (repo / ".gitignore").write_text("*.pem\n")
    commit_all(repo)
    git(repo, "branch", "-f", "main")  # main lacks three of the patterns
    (repo / ".gitignore").write_text("# the same rules\n*.pem\n")
    assert _where(_judged(_report(repo, fail_on="medium")), True)[-1] == "GK-SEC-006 .gitignore"
    (repo / ".gitignore").write_text("")  # now *.pem is missing too: a new finding
    judged = _judged(_report(repo, fail_on="medium"))
    assert _where(judged, False) == ["GK-SEC-006 .gitignore"]
    (repo / ".gitignore").write_text(IGNORES)  # fixed by the change: nothing to report
    assert "GK-SEC-006" not in {j.finding.rule_id for j in _judged(_report(repo))}


def test_ignore_rules_untouched_are_pre_existing(repo: Path) -> None:
    (repo / ".gitignore").write_text("*.pem\n")
    commit_all(repo)
    git(repo, "branch", "-f", "main")
    (repo / "config.py").write_text("x = 1\n")
    report = _report(repo, fail_on="medium")
    assert _where(_judged(report), True) == [
        "GK-SEC-002 settings.py:1:24",
        "GK-SEC-003 deploy/aws.cfg:1:7",
        "GK-SEC-003 ops.cfg:1:9",
        "GK-SEC-005 prod.env",
        "GK-SEC-006 .gitignore",
    ]
    assert report.exit_code == 0


def test_the_gitignores_that_decide_are_those_on_the_way_to_each_path() -> None:
    assert _gitignores() == {".gitignore", "certs/.gitignore", "certs/service/.gitignore"}


def test_history_only_secrets_added_before_the_base_are_pre_existing(repo: Path) -> None:
    git(repo, "checkout", "-q", "main")
    (repo / "old.py").write_text(f"t = {PYPI}\n")
    commit_all(repo, "add")
    (repo / "old.py").unlink()
    commit_all(repo, "remove")
    git(repo, "checkout", "-q", "-b", "feature2")
    (repo / "later.py").write_text(f"t = {NEW_TOKEN}\n")
    commit_all(repo, "add later")
    (repo / "later.py").unlink()
    commit_all(repo, "remove later")
    judged = _judged(_report(repo, history=True))
    history_only = {
        str(j.finding.location): j.pre_existing
        for j in judged
        if j.finding.data.get("history_only")
    }
    assert history_only == {"old.py:1:5": True, "later.py:1:5": False}


def test_baseline_runs_the_scan_when_run_did_not(repo: Path, tmp_path: Path) -> None:
    (repo / "config.py").write_text(f'GH = "{GITHUB}"\nX = "{NEW_TOKEN}"\n')
    ctx = GateContext(repo, _policy(), GitRepo(repo), base_ref="main")
    fresh = SecretsGate().baseline(ctx)
    gate = SecretsGate()
    gate.run(GateContext(tmp_path, _policy(), GitRepo(tmp_path)))  # another root: not reused
    assert fresh is not None and gate.baseline(ctx) == fresh
    findings = {
        f.location.path: f.fingerprint for f in SecretsGate().run(ctx).findings if f.location
    }
    assert findings["ops.cfg"] in fresh
    assert SecretsGate().baseline(GateContext(repo, _policy(), GitRepo(repo))) is None


def test_outside_a_repository_there_is_no_baseline(tmp_path: Path) -> None:
    ctx = GateContext(tmp_path, _policy(), GitRepo(tmp_path), base_ref="main")
    assert SecretsGate().baseline(ctx) is None


def test_the_report_holds_no_planted_secret(repo: Path) -> None:
    (repo / "config.py").write_text(f'GH = "{GITHUB}"\nPW = "{PASSWORD}xQ9z"\n')
    from gatekeeper.report import render

    report = _report(repo)
    for fmt in ("text", "json", "sarif", "markdown"):
        text = render(report, fmt)
        assert all(secret not in text for secret in PLANTED), fmt


def test_a_secret_pasted_again_into_its_file_is_one_new_finding(repo: Path) -> None:
    # main has GH once in config.py; the change pastes it above and below: the first stays
    # pre-existing (the earliest place), the copies are new and fail
    (repo / "config.py").write_text(f'A = "{GITHUB}"\nGH = "{GITHUB}"\nB = "{GITHUB}"\n')
    report = _report(repo)
    config = sorted(
        (str(j.finding.location), j.pre_existing, j.blocking)
        for j in _judged(report)
        if j.finding.location is not None and j.finding.location.path == "config.py"
    )
    assert config == [
        ("config.py:1:6", True, False),
        ("config.py:2:7", False, True),
        ("config.py:3:6", False, True),
    ]
    assert report.exit_code == 1
    (repo / "ops.cfg").write_text(f"slack = {SLACK}\nslack = {SLACK}\n")  # unchanged file twice
    (repo / "config.py").write_text(f'GH = "{GITHUB}"\n')
    commit_all(repo, "ops twice")
    git(repo, "branch", "-f", "main")
    (repo / "other.py").write_text("x = 1\n")
    commit_all(repo, "other")
    gate = SecretsGate()
    baseline = gate.baseline(GateContext(repo, _policy(), GitRepo(repo), base_ref="main"))
    assert baseline is not None
    ops = [
        f
        for f in gate.run(GateContext(repo, _policy(), GitRepo(repo))).findings
        if f.location is not None and f.location.path == "ops.cfg"
    ]
    assert len(ops) == 2 and baseline[ops[0].fingerprint] == 2  # an unchanged file counts too
    assert _report(repo).exit_code == 0
