"""web-api as a real process calling a real recipe-api over HTTPS (internal CA only)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.services.conftest import TOKEN, Pki, Server, start

pytestmark = pytest.mark.slow  # every test here starts a subprocess or a server


@pytest.fixture(scope="module")
def web_api(
    tmp_path_factory: pytest.TempPathFactory, recipe_tls: Server, pki: Pki
) -> Iterator[Server]:
    log = tmp_path_factory.mktemp("web-api") / "stderr.log"
    server = start(
        "services.web_api",
        log,
        APP_ENV="development",
        APP_RECIPE_API_URL=recipe_tls.url,
        APP_CA_BUNDLE=str(pki.ca),
    )
    yield server
    assert server.stop() == 0
    assert "web-api stopped by SIGTERM" in log.read_text()


def test_combines_recipe_api_answer(web_api: Server) -> None:
    response = httpx.get(f"{web_api.url}/recipes/1")
    assert response.status_code == 200
    body = response.json()
    assert body["producer"] == "recipe-api" and body["consumer"] == "web-api"
    assert body["recipe"]["name"] == "Shakshuka"
    assert response.headers["x-frame-options"] == "DENY"
    assert web_api.health() == 200


def test_not_found_is_passed_on(web_api: Server) -> None:
    assert httpx.get(f"{web_api.url}/recipes/424242").status_code == 404


def test_hostile_query_refused_before_calling_recipe_api(web_api: Server) -> None:
    response = httpx.get(f"{web_api.url}/recipes/1?a[0][999999999]=1")
    assert response.status_code == 400
    assert web_api.health() == 200


def test_a_certificate_from_another_ca_is_refused(tmp_path: Path, rogue_pki: Pki, pki: Pki) -> None:
    rogue = start(
        "services.recipe_api",
        tmp_path / "rogue.log",
        APP_ENV="development",
        APP_API_TOKEN=TOKEN,
        APP_TLS_CERT=str(rogue_pki.cert),
        APP_TLS_KEY=str(rogue_pki.key),
    )
    web = start(
        "services.web_api",
        tmp_path / "web.log",
        APP_ENV="development",
        APP_RECIPE_API_URL=rogue.url,
        APP_CA_BUNDLE=str(pki.ca),
    )
    try:
        response = httpx.get(f"{web.url}/recipes/1")
        assert response.status_code == 502
        assert response.json() == {"detail": "recipe-api unreachable: ConnectError"}
        # the same certificate is fine for a client that trusts the rogue CA: only trust differs
        context = __import__("ssl").create_default_context(cafile=rogue_pki.ca)
        assert httpx.get(f"{rogue.url}/health", verify=context).status_code == 200
    finally:
        assert web.stop() == 0
        assert rogue.stop() == 0
