"""The devpi client: settings, login, users, indexes, releases, faults; on a real devpi-server
where the behaviour is devpi's, on a mock transport where a fault cannot be made real."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
from pydantic import SecretStr

from gatekeeper.errors import (
    AuthenticationError,
    BackendError,
    BackendUnavailable,
    ConfigError,
    UsageError,
)
from gatekeeper.net import http as net_http
from gatekeeper.net.retry import RetryPolicy
from gatekeeper.registry.devpi import DevpiClient, IndexConfig, load_settings
from tests.net.fakes import FakeTime
from tests.registry.artifacts import make_sdist, make_wheel
from tests.servers import Devpi, free_port

SECRET = "pl4nted-devpi-Passw0rd"  # a fixture credential: must never be printed


def mock_client(handler, attempts: int = 3) -> tuple[DevpiClient, FakeTime]:
    fake = FakeTime()
    http = net_http.client(timeout=5, transport=httpx.MockTransport(handler))
    client = DevpiClient(
        "http://127.0.0.1:9", http=http, policy=RetryPolicy(attempts=attempts), clock=fake.clock()
    )
    return client, fake


def login_answer(request: httpx.Request) -> httpx.Response:
    return httpx.Response(200, json={"result": {"password": "tok-123", "expiration": 36000}})


# ----------------------------------------------------------------------- settings
def test_settings_from_the_environment_keep_the_secret_hidden() -> None:
    env = {"DEVPI_URL": "https://devpi.example/", "DEVPI_USER": " ci ", "DEVPI_PASSWORD": SECRET}
    settings = load_settings(environ=env)
    assert settings.url == "https://devpi.example"
    assert settings.user == "ci"
    assert settings.has_credentials
    assert SECRET not in repr(settings) and SECRET not in str(settings)
    assert settings.secret is not None and settings.secret.get_secret_value() == SECRET


def test_settings_url_argument_wins_and_token_is_the_fallback() -> None:
    env = {"DEVPI_URL": "https://a.example", "DEVPI_USER": "ci", "DEVPI_TOKEN": "tok"}
    settings = load_settings("http://127.0.0.1:3141", environ=env)
    assert settings.url == "http://127.0.0.1:3141"
    assert settings.secret is not None and settings.secret.get_secret_value() == "tok"


def test_settings_refuse_missing_url_plain_http_and_bad_secrets() -> None:
    with pytest.raises(ConfigError, match="no devpi URL"):
        load_settings(environ={})
    with pytest.raises(ConfigError, match="DEVPI_URL: refusing plain HTTP"):
        load_settings(environ={"DEVPI_URL": "http://devpi.example"})
    with pytest.raises(ConfigError, match="--url"):
        load_settings("ftp://x", environ={})
    with pytest.raises(ConfigError, match="DEVPI_PASSWORD contains control") as caught:
        load_settings(environ={"DEVPI_URL": "https://d.example", "DEVPI_PASSWORD": "a\x01b"})
    assert "a\x01b" not in str(caught.value)
    blank = load_settings(environ={"DEVPI_URL": "https://d.example", "DEVPI_PASSWORD": "  "})
    assert blank.secret is None and not blank.has_credentials


def test_index_config_reads_devpi_json_with_defaults() -> None:
    config = IndexConfig.from_json("a/b", {"type": "mirror", "bases": "junk"})
    assert config.is_mirror and config.bases == () and config.volatile
    assert config.acl_toxresult_upload == (":ANONYMOUS:",)


# --------------------------------------------------------------- unit-level faults
def test_login_token_is_sent_but_never_shown() -> None:
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/+login":
            assert json.loads(request.content) == {"user": "ci", "password": SECRET}
            return login_answer(request)
        seen.append(request.headers.get("X-Devpi-Auth", ""))
        return httpx.Response(200, json={"result": {"username": "ci"}})

    client, _ = mock_client(handler)
    client.login("ci", SecretStr(SECRET))
    assert client.get_user("ci") == {"username": "ci"}
    assert seen and seen[0]  # base64("ci:tok-123")
    assert "tok-123" not in repr(client) and seen[0] not in repr(client)
    assert repr(client) == "DevpiClient('http://127.0.0.1:9', logged in as ci)"


def test_login_answer_without_token_is_the_servers_fault() -> None:
    client, _ = mock_client(lambda r: httpx.Response(200, json={"result": {}}))
    with pytest.raises(BackendUnavailable, match="holds no token"):
        client.login("ci", SecretStr(SECRET))
    client, _ = mock_client(lambda r: httpx.Response(200, json=["not", "a", "dict"]))
    with pytest.raises(BackendUnavailable, match="unexpected answer"):
        client.login("ci", SecretStr(SECRET))


def test_server_error_mid_upload_is_retried_then_exit_3(tmp_path: Path) -> None:
    calls: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request.method)
        return httpx.Response(500, text="boom")

    client, fake = mock_client(handler)
    wheel = make_wheel(tmp_path, "corp-demo", "1.0.0")
    with pytest.raises(BackendUnavailable, match="HTTP 500") as caught:
        client.upload("corp/staging", wheel, {"name": "corp-demo", "version": "1.0.0"})
    assert caught.value.exit_code == 3
    assert calls == ["POST", "POST", "POST"] and len(fake.sleeps) == 2


def test_refusal_quotes_devpis_message_redacted() -> None:
    body = {"message": "bad thing at http://u:hunter2@h.example/x"}
    client, _ = mock_client(lambda r: httpx.Response(400, json=body))
    with pytest.raises(BackendError, match=r"refused PUT /a/b \(HTTP 400\): bad thing") as caught:
        client.create_index("a/b", {})
    assert "hunter2" not in str(caught.value)
    client, _ = mock_client(lambda r: httpx.Response(409, text="<html>conflict</html>"))
    with pytest.raises(BackendError, match="HTTP 409.: <html>conflict"):
        client.push("a/b", "a/c", "x", "1")
    client, _ = mock_client(lambda r: httpx.Response(409, json=["x"]))
    with pytest.raises(BackendError, match=r"\(HTTP 409\)$"):
        client.push("a/b", "a/c", "x", "1")


def test_push_answer_that_is_not_a_log_is_empty() -> None:
    client, _ = mock_client(lambda r: httpx.Response(200, json={"result": {"x": 1}}))
    assert client.push("a/b", "a/c", "x", "1") == []


def test_versions_skip_malformed_entries() -> None:
    data = {
        "result": {
            "1.0": {
                "+links": [
                    "junk",
                    {"rel": "releasefile", "href": "http://127.0.0.1:9/a/b/+f/x/p-1.0.tar.gz"},
                    {"rel": "releasefile", "href": "h", "hashes": {"sha256": "ab"}},
                    {"rel": "releasefile", "href": "i", "hash_spec": "sha256=cd"},
                ]
            },
            "2.0": "junk",
        }
    }
    client, _ = mock_client(lambda r: httpx.Response(200, json=data))
    versions = client.versions("a/b", "p")
    assert list(versions) == ["1.0"]
    files = versions["1.0"].release_files
    assert [f.basename for f in files] == ["p-1.0.tar.gz", "h", "i"]
    assert [f.sha256 for f in files] == [None, "ab", "cd"]


def test_files_on_another_server_are_not_followed() -> None:
    client, _ = mock_client(lambda r: httpx.Response(200, json={}))
    with pytest.raises(BackendUnavailable, match="another server"):
        client.read_bytes("https://elsewhere.example/x")
    with pytest.raises(BackendUnavailable, match="another server"):
        client.attach_toxresult("https://elsewhere.example/x", {})


def test_client_refuses_plain_http_to_a_remote_host() -> None:
    with pytest.raises(UsageError, match="refusing plain HTTP"):
        DevpiClient("http://devpi.example")


def test_login_with_needs_credentials() -> None:
    client, _ = mock_client(login_answer)
    with pytest.raises(ConfigError, match="credentials are not set"):
        client.login_with(load_settings(environ={"DEVPI_URL": "https://d.example"}))


# ------------------------------------------------------------- the real server
@pytest.mark.slow
def test_server_started_quickly(devpi: Devpi) -> None:
    assert devpi.started_s < 30
    assert devpi.password_file.stat().st_mode & 0o777 == 0o600
    print(f"devpi-server start-up (init + serve): {devpi.started_s:.2f} s")


@pytest.mark.slow
def test_wrong_password_is_exit_3_without_the_password(devpi: Devpi) -> None:
    with DevpiClient(devpi.url) as client, pytest.raises(AuthenticationError) as caught:
        client.login("root", SecretStr(SECRET))
    assert caught.value.exit_code == 3
    assert "'root'" in str(caught.value) and SECRET not in str(caught.value)
    assert client.user is None


@pytest.mark.slow
def test_devpi_down_is_a_bounded_retry_then_exit_3() -> None:
    fake = FakeTime()
    url = f"http://127.0.0.1:{free_port()}"
    with DevpiClient(url, clock=fake.clock()) as client, pytest.raises(BackendUnavailable) as c:
        client.list_indexes()
    assert "unreachable" in str(c.value) and "after 3 attempts" in str(c.value)
    assert c.value.exit_code == 3 and len(fake.sleeps) == 2


@pytest.mark.slow
def test_users_and_indexes(root: DevpiClient, org: str) -> None:
    assert root.get_user(org) is None
    root.create_user(org, SecretStr(SECRET), email="org@example.invalid")
    assert root.get_user(org) is not None
    assert root.get_index(f"{org}/prod") is None
    made = root.create_index(f"{org}/prod", {"volatile": False, "acl_upload": ["root"]})
    assert made == root.get_index(f"{org}/prod")
    assert not made.volatile and made.acl_upload == ("root",)
    changed = root.modify_index(f"{org}/prod", {"mirror_whitelist": ["corp-x"]})
    assert changed.mirror_whitelist == ("corp-x",) and not changed.volatile
    assert f"{org}/prod" in root.list_indexes()
    with pytest.raises(BackendError, match="HTTP 409"):
        root.create_index(f"{org}/prod", {})


@pytest.mark.slow
def test_upload_versions_push_toxresult_delete(root: DevpiClient, org: str, tmp_path: Path) -> None:
    root.create_user(org, SecretStr(SECRET))
    root.create_index(f"{org}/staging", {"volatile": True, "acl_upload": ["root"]})
    root.create_index(f"{org}/prod", {"volatile": False, "acl_upload": ["root"]})
    files = [make_wheel(tmp_path, "corp-demo", "1.0.0"), make_sdist(tmp_path, "corp-demo", "1.0.0")]
    for path in files:
        root.upload(f"{org}/staging", path, {"name": "corp-demo", "version": "1.0.0"})
    data = root.version(f"{org}/staging", "corp-demo", "1.0.0")
    assert data is not None and data.name == "corp-demo"
    assert sorted(f.basename for f in data.release_files) == sorted(p.name for p in files)
    assert all(f.sha256 and len(f.sha256) == 64 for f in data.release_files)
    assert root.version(f"{org}/staging", "corp-demo", "9.9") is None
    assert root.versions(f"{org}/staging", "corp-nothing") == {}
    stored = root.attach_toxresult(data.release_files[0].href, {"k": "v"})
    assert ".toxresult-" in stored
    log = root.push(f"{org}/staging", f"{org}/prod", "corp-demo", "1.0.0")
    assert any("store_releasefile" in entry for entry in log)
    released = root.version(f"{org}/prod", "corp-demo", "1.0.0")
    assert released is not None and len(released.toxresults) == 1
    assert json.loads(root.read_bytes(released.toxresults[0].href)) == {"k": "v"}
    assert root.delete_version(f"{org}/staging", "corp-demo", "1.0.0")
    assert not root.delete_version(f"{org}/staging", "corp-demo", "1.0.0")
    with pytest.raises(AuthenticationError, match="403"):
        root.delete_version(f"{org}/prod", "corp-demo", "1.0.0")
