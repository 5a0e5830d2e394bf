"""load_settings(): the Actions environment, the event file, App credentials, bad values."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from gatekeeper.errors import ConfigError
from gatekeeper.github.settings import load_settings
from tests.github.conftest import HEAD, MERGE, REPO, TOKEN, private_key

VARIABLES = (
    "GITHUB_REPOSITORY",
    "GITHUB_SHA",
    "GITHUB_EVENT_PATH",
    "GITHUB_EVENT_NAME",
    "GITHUB_API_URL",
    "GITHUB_SERVER_URL",
    "GITHUB_RUN_ID",
    "GITHUB_TOKEN",
    "GATEKEEPER_GITHUB_APP_ID",
    "GATEKEEPER_GITHUB_APP_KEY_FILE",
    "GATEKEEPER_GITHUB_INSTALLATION_ID",
)


@pytest.fixture(autouse=True)
def actions(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("GITHUB_REPOSITORY", REPO)
    monkeypatch.setenv("GITHUB_SHA", MERGE)
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    return monkeypatch


def pull_event(tmp_path: Path, head_repo: Any = REPO, **pull: Any) -> Path:
    event = {
        "action": "synchronize",
        "number": 7,
        "pull_request": {
            "number": 7,
            "head": {"sha": HEAD, "repo": {"full_name": head_repo} if head_repo else None},
            "base": {"sha": "c" * 40, "repo": {"full_name": REPO}},
            **pull,
        },
    }
    path = tmp_path / "event.json"
    path.write_text(json.dumps(event))
    return path


def test_a_push_run(actions: pytest.MonkeyPatch) -> None:
    actions.setenv("GITHUB_RUN_ID", "99")
    actions.setenv("GITHUB_API_URL", "https://ghe.corp.example/api/v3/")
    got = load_settings()
    assert got.repository == REPO and got.sha == MERGE and got.pull_request is None
    assert got.api_url == "https://ghe.corp.example/api/v3"
    assert got.run_url == "https://github.com/corp/service/actions/runs/99"
    assert got.credentials.token is not None
    assert got.credentials.token.get_secret_value() == TOKEN
    assert TOKEN not in repr(got) and TOKEN not in repr(got.credentials)


def test_a_pull_request_reports_on_its_head_commit(
    actions: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    actions.setenv("GITHUB_EVENT_PATH", str(pull_event(tmp_path)))
    got = load_settings()
    assert got.sha == HEAD and got.pull_request is not None
    assert got.pull_request.number == 7 and not got.pull_request.from_fork
    assert got.run_url is None


def test_a_fork_pull_request(actions: pytest.MonkeyPatch, tmp_path: Path) -> None:
    actions.setenv("GITHUB_EVENT_PATH", str(pull_event(tmp_path, "someone/service")))
    pull = load_settings().pull_request
    assert pull is not None and pull.from_fork and pull.head_repository == "someone/service"
    assert pull.read_only_token
    actions.setenv("GITHUB_EVENT_PATH", str(pull_event(tmp_path, None)))
    pull = load_settings().pull_request
    assert pull is not None and pull.from_fork and pull.head_repository is None
    actions.setenv("GITHUB_EVENT_NAME", "pull_request_target")  # its token can write
    pull = load_settings().pull_request
    assert pull is not None and pull.from_fork and not pull.read_only_token


def test_the_head_repository_is_compared_without_case(
    actions: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    actions.setenv("GITHUB_EVENT_PATH", str(pull_event(tmp_path, "Corp/Service")))
    pull = load_settings().pull_request
    assert pull is not None and not pull.from_fork


def test_an_event_without_a_pull_request(actions: pytest.MonkeyPatch, tmp_path: Path) -> None:
    path = tmp_path / "push.json"
    path.write_text(json.dumps({"ref": "refs/heads/main"}))
    actions.setenv("GITHUB_EVENT_PATH", str(path))
    assert load_settings().pull_request is None
    path.write_text("[]")
    assert load_settings().pull_request is None


@pytest.mark.parametrize(
    ("pull", "message"),
    [
        ({"number": "7"}, "event key pull_request.number: expected int"),
        ({"number": True}, "event key pull_request.number: expected int"),
        ({"head": {"sha": HEAD, "repo": "x"}}, "pull_request.head.repo: expected dict"),
        ({"head": {"repo": None}}, "pull_request.head.sha: expected str"),
        ({"head": {"sha": HEAD, "repo": {}}}, "pull_request.head.repo.full_name: expected str"),
        ({"base": {"repo": {"full_name": "other/repo"}}}, "is in other/repo, not GITHUB_REPO"),
        ({"base": None}, "pull_request.base.repo.full_name: expected str"),
    ],
)
def test_a_malformed_event_names_the_key(
    actions: pytest.MonkeyPatch, tmp_path: Path, pull: dict[str, Any], message: str
) -> None:
    path = pull_event(tmp_path, **pull)
    actions.setenv("GITHUB_EVENT_PATH", str(path))
    with pytest.raises(ConfigError, match=message) as caught:
        load_settings()
    assert caught.value.path == str(path)


def test_an_unreadable_or_invalid_event_file(actions: pytest.MonkeyPatch, tmp_path: Path) -> None:
    actions.setenv("GITHUB_EVENT_PATH", str(tmp_path / "missing.json"))
    with pytest.raises(ConfigError, match="GITHUB_EVENT_PATH: cannot read: No such file"):
        load_settings()
    bad = tmp_path / "bad.json"
    bad.write_text("{\n  nope")
    actions.setenv("GITHUB_EVENT_PATH", str(bad))
    with pytest.raises(ConfigError, match="malformed JSON") as caught:
        load_settings()
    assert caught.value.line == 2
    actions.setenv("GITHUB_EVENT_PATH", "/dev/zero")
    with pytest.raises(ConfigError, match="not a regular file"):
        load_settings()


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("GITHUB_REPOSITORY", "no-slash", "invalid setting GITHUB_REPOSITORY: String should"),
        ("GITHUB_SHA", "xyz", "invalid setting GITHUB_SHA"),
        ("GITHUB_RUN_ID", "-1", "invalid setting GITHUB_RUN_ID"),
        ("GITHUB_API_URL", "http://api.github.example", "GITHUB_API_URL: refusing plain HTTP"),
        ("GITHUB_API_URL", "ftp://x", "GITHUB_API_URL must be an http"),
        ("GITHUB_SERVER_URL", "http://github.example", "GITHUB_SERVER_URL: refusing plain"),
        ("GITHUB_TOKEN", "ghs_ab cd", "invalid setting GITHUB_TOKEN: is empty or contains"),
        ("GITHUB_TOKEN", "ghs_ä", "invalid setting GITHUB_TOKEN"),
        ("GATEKEEPER_GITHUB_APP_ID", "abc", "invalid setting GATEKEEPER_GITHUB_APP_ID"),
    ],
)
def test_a_bad_value_names_the_variable_never_the_value(
    actions: pytest.MonkeyPatch, name: str, value: str, message: str
) -> None:
    actions.setenv(name, value)
    with pytest.raises(ConfigError, match=message) as caught:
        load_settings()
    assert "\n" not in str(caught.value) and caught.value.exit_code == 2
    if name == "GITHUB_TOKEN":
        assert value not in str(caught.value)


def test_a_token_is_trimmed(actions: pytest.MonkeyPatch) -> None:
    actions.setenv("GITHUB_TOKEN", f"  {TOKEN}\r\n")
    token = load_settings().credentials.token
    assert token is not None and token.get_secret_value() == TOKEN


@pytest.mark.parametrize(
    ("unset", "message"),
    [
        ("GITHUB_REPOSITORY", "needs GITHUB_REPOSITORY"),
        ("GITHUB_SHA", "needs GITHUB_SHA"),
        ("GITHUB_TOKEN", "needs GITHUB_TOKEN or GitHub App"),
    ],
)
def test_what_is_required(actions: pytest.MonkeyPatch, unset: str, message: str) -> None:
    actions.delenv(unset)
    with pytest.raises(ConfigError, match=message):
        load_settings()


def test_app_credentials_win_over_the_token(actions: pytest.MonkeyPatch, tmp_path: Path) -> None:
    key = tmp_path / "app.pem"
    key.write_bytes(private_key())
    actions.setenv("GATEKEEPER_GITHUB_APP_ID", "12")
    actions.setenv("GATEKEEPER_GITHUB_APP_KEY_FILE", str(key))
    actions.setenv("GATEKEEPER_GITHUB_INSTALLATION_ID", "34")
    got = load_settings().credentials
    assert got.token is None and got.app is not None
    assert (got.app.app_id, got.app.installation_id) == (12, 34)
    assert got.app.private_key == private_key()
    assert "PRIVATE" not in repr(got)
    actions.delenv("GITHUB_TOKEN")
    assert load_settings().credentials.app is not None


def test_incomplete_or_bad_app_credentials(actions: pytest.MonkeyPatch, tmp_path: Path) -> None:
    actions.setenv("GATEKEEPER_GITHUB_APP_ID", "12")
    with pytest.raises(ConfigError, match="incomplete: set GATEKEEPER_GITHUB_APP_KEY_FILE, GATE"):
        load_settings()
    actions.setenv("GATEKEEPER_GITHUB_INSTALLATION_ID", "34")
    actions.setenv("GATEKEEPER_GITHUB_APP_KEY_FILE", str(tmp_path / "missing.pem"))
    with pytest.raises(ConfigError, match="GATEKEEPER_GITHUB_APP_KEY_FILE: cannot read"):
        load_settings()
    not_a_key = tmp_path / "cert.pem"
    not_a_key.write_text("-----BEGIN CERTIFICATE-----\n")
    actions.setenv("GATEKEEPER_GITHUB_APP_KEY_FILE", str(not_a_key))
    with pytest.raises(ConfigError, match="is not a PEM private key"):
        load_settings()
