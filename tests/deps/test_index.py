from __future__ import annotations

import httpx
import pytest
from packaging.version import Version

from gatekeeper.deps.index import IndexClient, latest, version_of
from gatekeeper.errors import AuthenticationError, BackendUnavailable
from tests.servers import free_port

V = Version


@pytest.mark.parametrize("mode", ["json", "html"])
def test_versions_and_projects(index_url: str, mode: str) -> None:
    client = IndexClient(f"{index_url}/{mode}/simple/")
    assert client.versions("PyYAML") == [V("5.3.1"), V("5.4"), V("5.4.1"), V("6.0.1"), V("7.0b1")]
    assert client.versions("missing") is None
    assert client.versions("empty") == []
    assert client.projects() == {"pyyaml", "requests", "onlypre", "empty", "corp-lib"}


def test_url_without_trailing_slash(index_url: str) -> None:
    assert IndexClient(f"{index_url}/json/simple").versions("requests") == [
        V("2.19.0"),
        V("2.31.0"),
    ]


@pytest.mark.parametrize(
    ("mode", "error", "message"),
    [
        ("error", BackendUnavailable, "answered HTTP 500"),
        ("auth", AuthenticationError, "refused access"),
        ("badjson", BackendUnavailable, "sent bad JSON"),
        ("listjson", BackendUnavailable, "sent bad JSON"),
    ],
)
def test_backend_errors(index_url: str, mode: str, error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=message):
        IndexClient(f"{index_url}/{mode}/simple/").versions("pyyaml")


def test_unreachable_index_hides_credentials() -> None:
    url = f"http://user:s3cret@127.0.0.1:{free_port()}/simple/"
    with pytest.raises(BackendUnavailable) as err:
        IndexClient(url, timeout=2).versions("x")
    assert "s3cret" not in str(err.value) and "ConnectError" in str(err.value)


def test_missing_root_listing() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(404)

    client = IndexClient("https://index.invalid/simple/", transport=httpx.MockTransport(handler))
    with pytest.raises(BackendUnavailable, match="not found"):
        client.projects()


def test_helpers() -> None:
    assert version_of("x-1.0-py3-none-any.whl") == V("1.0")
    assert version_of("x-1.0.tar.gz") == V("1.0")
    assert version_of("x.whl") is None
    assert version_of("README") is None
    assert latest([V("1.0"), V("2.0a1")]) == V("1.0")
    assert latest([V("2.0a1")]) == V("2.0a1")
    assert latest([]) is None


def test_one_connection_pool_serves_every_request() -> None:
    clients: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"files": [{"filename": "x-1.0.tar.gz"}]})

    with IndexClient("https://index.invalid/simple/", transport=httpx.MockTransport(handler)) as c:
        for name in ("a", "b", "c"):
            assert c.versions(name) == [V("1.0")]
            clients.append(id(c._client))
    assert len(set(clients)) == 1 and c._client is None
    IndexClient("https://index.invalid/simple/").close()  # never used: nothing to close


def test_a_redirect_to_plain_http_off_loopback_is_refused() -> None:
    from gatekeeper.errors import UsageError

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(302, headers={"Location": "http://mirror.example/simple/x/"})

    client = IndexClient("https://index.invalid/simple/", transport=httpx.MockTransport(handler))
    with pytest.raises(UsageError, match="refusing plain HTTP to mirror.example"):
        client.versions("x")
