"""``gatekeeper check --github``: the verdict published, and never hidden by a publishing error."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gatekeeper import cli
from gatekeeper.github.summary import MARKER
from tests.github.conftest import HEAD, REPO, TOKEN
from tests.github.fake_server import FakeGitHub
from tests.github.test_settings import VARIABLES
from tests.helpers import run_cli

STATUSES = f"/repos/{REPO}/statuses/{HEAD}"
COMMENTS = f"/repos/{REPO}/issues/7/comments"


def repository(root: Path, requires: str) -> Path:
    """A repository the runtime gate fails (an end-of-life Python) or passes."""
    root.mkdir(exist_ok=True)
    (root / "pyproject.toml").write_text(
        f'[project]\nname = "x"\nversion = "1"\nrequires-python = "{requires}"\n'
    )
    return root


FAILING = ">=3.8"
PASSING = ">=3.13"


def actions_env(fake: FakeGitHub, tmp_path: Path, head_repo: str = REPO) -> dict[str, str]:
    event = tmp_path / "event.json"
    event.write_text(
        json.dumps(
            {
                "pull_request": {
                    "number": 7,
                    "head": {"sha": HEAD, "repo": {"full_name": head_repo}},
                    "base": {"repo": {"full_name": REPO}},
                }
            }
        )
    )
    return {
        "GITHUB_REPOSITORY": REPO,
        "GITHUB_SHA": "a" * 40,
        "GITHUB_EVENT_PATH": str(event),
        "GITHUB_API_URL": fake.url,
        "GITHUB_TOKEN": TOKEN,
    }


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, fake: FakeGitHub, tmp_path: Path) -> dict[str, str]:
    for name in (*VARIABLES, "GITHUB_ACTIONS", "GITHUB_STEP_SUMMARY", "GATEKEEPER_FORMAT"):
        monkeypatch.delenv(name, raising=False)
    values = actions_env(fake, tmp_path)
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    return values


def check(root: Path) -> int:
    return cli.main(["check", str(root), "--gate", "runtime", "--github"])


def test_a_failing_pr_run_then_a_passing_one(
    env: dict[str, str], fake: FakeGitHub, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert check(repository(tmp_path / "repo", FAILING)) == 1
    assert fake.writes() == [("POST", STATUSES), ("POST", COMMENTS)]
    assert fake.requests("POST", STATUSES)[0].body["state"] == "failure"
    (comment,) = fake.comments[(REPO, 7)]
    assert "GK-RUN-001" in comment["body"]
    err = capsys.readouterr().err
    assert "gatekeeper: github: commit status gatekeeper: failure on bbbbbbbbbbbb" in err
    assert f"gatekeeper: github: pull request #7: comment {comment['id']} created" in err

    fake.log.clear()
    assert check(repository(tmp_path / "repo", PASSING)) == 0
    assert fake.writes() == [
        ("POST", STATUSES),
        ("PATCH", f"/repos/{REPO}/issues/comments/{comment['id']}"),
    ]
    assert comment["body"].startswith(MARKER + "\n## ✅ gatekeeper: all gates pass")
    out, err = capsys.readouterr()
    assert TOKEN not in out + err


@pytest.mark.parametrize(("requires", "code"), [(FAILING, 1), (PASSING, 3)])
def test_a_publishing_error_never_hides_the_verdict(
    env: dict[str, str],
    fake: FakeGitHub,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    requires: str,
    code: int,
) -> None:
    fake.fail("GET", f"/repos/{REPO}", 401)
    assert check(repository(tmp_path / "repo", requires)) == code
    err = capsys.readouterr().err
    assert "gatekeeper: error: publishing to GitHub: " in err
    assert "refused access (HTTP 401)" in err and TOKEN not in err


def test_a_fork_pr_gets_a_notice_and_keeps_its_exit_code(
    env: dict[str, str],
    fake: FakeGitHub,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fork = actions_env(fake, tmp_path, head_repo="someone/service")
    monkeypatch.setenv("GITHUB_EVENT_PATH", fork["GITHUB_EVENT_PATH"])
    assert check(repository(tmp_path / "repo", FAILING)) == 1
    assert fake.log == []
    err = capsys.readouterr().err
    assert "::notice::gatekeeper: the token cannot write to corp/service" in err


def test_a_bad_setting_stops_before_the_run(
    env: dict[str, str],
    fake: FakeGitHub,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("GITHUB_API_URL", "http://api.github.example")
    assert check(repository(tmp_path / "repo", FAILING)) == 2
    err = capsys.readouterr().err
    assert err.strip().splitlines() == [
        "gatekeeper: error: GITHUB_API_URL: refusing plain HTTP to api.github.example "
        "(use https:// (plain http only to a loopback address))"
    ]


def test_without_github_nothing_is_published(
    env: dict[str, str], fake: FakeGitHub, tmp_path: Path
) -> None:
    assert (
        cli.main(["check", str(repository(tmp_path / "repo", FAILING)), "--gate", "runtime"]) == 1
    )
    assert fake.log == []


@pytest.mark.slow
def test_the_console_script_never_prints_the_token(fake: FakeGitHub, tmp_path: Path) -> None:
    env = {
        **actions_env(fake, tmp_path),
        "GATEKEEPER_DEBUG": "1",
        "GITHUB_ACTIONS": "true",
        "GITHUB_STEP_SUMMARY": str(tmp_path / "summary.md"),
    }
    root = repository(tmp_path / "repo", FAILING)
    first = run_cli("check", str(root), "--gate", "runtime", "--github", env=env)
    assert first.returncode == 1, first.stderr
    fake.fail("POST", r"/repos/.*/statuses/.*", 422)
    second = run_cli("check", str(root), "--gate", "runtime", "--github", env=env)
    assert second.returncode == 1
    assert "HTTP 422" in second.stderr
    for proc in (first, second):
        assert TOKEN not in proc.stdout + proc.stderr
    assert len(fake.comments[(REPO, 7)]) == 1
    assert all(r.authorization == f"token {TOKEN}" for r in fake.log)
    assert "::error" in first.stdout  # the annotations still go out
