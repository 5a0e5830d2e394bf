"""recipe-api as a real uvicorn process: behaviour, then hostile requests."""

from __future__ import annotations

import json
import ssl

import httpx
import pytest

from tests.services import rawhttp
from tests.services.conftest import TOKEN, Pki, Server

pytestmark = pytest.mark.slow  # every test here starts a subprocess or a server

AUTH = {"authorization": f"Bearer {TOKEN}"}
RECIPE = {"name": "Pancakes", "ingredients": ["flour", "milk", "eggs"], "steps": ["mix", "fry"]}
HUNDRED_MB = 100 * 1024 * 1024
LIMIT = 1024 * 1024  # the development config's max_body_bytes
# What socket buffers can hold between client and server (the client's is set to 256 KiB).
SLACK = 16 * 1024 * 1024


def _healthy(server: Server) -> None:
    """After every hostile request the service still answers at once."""
    assert server.health() == 200


def test_get_recipe(recipe_http: Server) -> None:
    response = httpx.get(f"{recipe_http.url}/recipes/1")
    assert response.status_code == 200
    assert response.json() == {
        "id": 1,
        "name": "Shakshuka",
        "ingredients": ["eggs", "tomatoes", "peppers"],
        "steps": [],
        "created_by": "seed",
    }
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["content-security-policy"].startswith("default-src 'none'")
    assert "server" not in response.headers
    assert httpx.get(f"{recipe_http.url}/recipes/999999").status_code == 404
    assert httpx.get(f"{recipe_http.url}/recipes/0").status_code == 422
    assert httpx.get(f"{recipe_http.url}/recipes/abc").status_code == 422


def test_post_recipe_needs_the_token(recipe_http: Server) -> None:
    url = f"{recipe_http.url}/recipes"
    assert httpx.post(url, json=RECIPE).status_code == 401
    wrong = httpx.post(url, json=RECIPE, headers={"authorization": "Bearer nope"})
    assert wrong.status_code == 401 and wrong.headers["www-authenticate"] == "Bearer"
    created = httpx.post(url, json={**RECIPE, "unexpected": "ignored"}, headers=AUTH)
    assert created.status_code == 201
    body = created.json()
    assert body["created_by"] == "api" and "unexpected" not in body
    fetched = httpx.get(f"{recipe_http.url}/recipes/{body['id']}")
    assert fetched.json() == body


@pytest.mark.parametrize(
    "extra",
    [
        {"is_admin": True},
        {"role": "admin"},
        {"id": 1},
        {"created_by": "seed"},
        {"__class__": "x"},
        {"steps": ["a"], "__proto__": {"polluted": True}},
    ],
)
def test_mass_assignment_is_refused(recipe_http: Server, extra: dict[str, object]) -> None:
    response = httpx.post(f"{recipe_http.url}/recipes", json={**RECIPE, **extra}, headers=AUTH)
    assert response.status_code == 422
    message = response.json()["detail"][0]["msg"]
    assert "cannot be set from input" in message or "is not allowed" in message
    _healthy(recipe_http)


def test_100_mb_with_content_length_is_refused_before_the_body(recipe_http: Server) -> None:
    head = (
        f"POST /recipes HTTP/1.1\nHost: localhost\nContent-Type: application/json\n"
        f"Authorization: Bearer {TOKEN}\nContent-Length: {HUNDRED_MB}\n"
    )
    response = rawhttp.send(recipe_http.url, head, rawhttp.plain(HUNDRED_MB))
    assert response.status == 413
    assert json.loads(response.body)["detail"][0]["type"] == "body_too_large"
    assert response.headers["connection"] == "close" and response.closed
    assert response.body_sent < SLACK  # refused at the headers; only socket buffers filled
    _healthy(recipe_http)


def test_100_mb_chunked_is_cut_off_at_the_limit(recipe_http: Server) -> None:
    head = (
        "POST /recipes HTTP/1.1\nHost: localhost\nContent-Type: application/json\n"
        f"Authorization: Bearer {TOKEN}\nTransfer-Encoding: chunked\n"
    )
    response = rawhttp.send(recipe_http.url, head, rawhttp.chunked(HUNDRED_MB))
    assert response.status == 413
    assert (
        json.loads(response.body)["detail"][0]["msg"] == f"request body larger than {LIMIT} bytes"
    )
    assert response.closed
    # answered once the limit was crossed, not after the whole body (socket buffers aside)
    assert LIMIT < response.body_sent < LIMIT + SLACK
    _healthy(recipe_http)


def test_slow_body_is_cut_off_by_the_deadline(recipe_http: Server) -> None:
    head = (
        "POST /recipes HTTP/1.1\nHost: localhost\nContent-Type: application/json\n"
        f"Authorization: Bearer {TOKEN}\nContent-Length: 1000\n"
    )
    response = rawhttp.send(recipe_http.url, head, rawhttp.trickle(1000, 0.05))
    assert response.status == 408
    assert json.loads(response.body)["detail"][0]["type"] == "body_timeout"
    assert response.closed and response.body_sent < 1000
    _healthy(recipe_http)


def test_10000_deep_json(recipe_http: Server) -> None:
    deep = "[" * 10_000 + "]" * 10_000
    response = httpx.post(
        f"{recipe_http.url}/recipes",
        content=deep,
        headers={**AUTH, "content-type": "application/json"},
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["type"] == "json_too_deep"
    _healthy(recipe_http)


def test_malformed_json_is_a_422(recipe_http: Server) -> None:
    response = httpx.post(
        f"{recipe_http.url}/recipes",
        content=b'{"name": ',
        headers={**AUTH, "content-type": "application/json"},
    )
    assert response.status_code == 422
    _healthy(recipe_http)


def test_huge_array_index(recipe_http: Server) -> None:
    response = httpx.get(f"{recipe_http.url}/recipes/1?a[0][999999999]=1")
    assert response.status_code == 400
    assert response.json()["detail"][0]["type"] == "query_index_too_large"
    _healthy(recipe_http)


def test_1000_query_params(recipe_http: Server) -> None:
    query = "&".join(f"p{i}=1" for i in range(1000))
    response = httpx.get(f"{recipe_http.url}/recipes/1?{query}")
    assert response.status_code == 400
    assert response.json()["detail"][0]["type"] == "query_too_many_params"
    _healthy(recipe_http)


def test_unexpected_and_repeated_params(recipe_http: Server) -> None:
    assert httpx.get(f"{recipe_http.url}/recipes/1?utm_source=x").status_code == 200
    repeated = httpx.get(f"{recipe_http.url}/recipes/1?a=1&a=2")
    assert repeated.status_code == 400
    assert repeated.json()["detail"][0]["type"] == "query_repeated"


def test_https_with_the_internal_ca(recipe_tls: Server, pki: Pki) -> None:
    assert recipe_tls.url.startswith("https://127.0.0.1:")
    url = recipe_tls.url  # the certificate names 127.0.0.1 as an IP SAN
    response = httpx.get(f"{url}/recipes/1", verify=ssl.create_default_context(cafile=pki.ca))
    assert response.status_code == 200 and response.json()["id"] == 1
    assert response.headers["strict-transport-security"].startswith("max-age=")
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{url}/health")  # the public trust store does not know the internal CA
