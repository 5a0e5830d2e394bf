"""In-process pieces of the services that need no server: the store, the client's error paths."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest

from gatekeeper.service.config import check_settings
from services.recipe_api.app import NewRecipe, RecipeStore, create_app
from services.recipe_api.settings import Settings as RecipeSettings
from services.web_api.client import RecipeApiError, RecipeClient, RecipeNotFound
from services.web_api.settings import Settings as WebSettings
from tests.services.conftest import TOKEN, Pki

RECIPE = NewRecipe(name="n", ingredients=["i"])


def test_store_keeps_the_newest() -> None:
    store = RecipeStore(capacity=2)
    first, second, third = (store.add(RECIPE, "t") for _ in range(3))
    assert store.get(first.id) is None
    assert store.get(second.id) == second and store.get(third.id) == third


def test_validation_can_be_left_out_for_the_benchmark() -> None:
    settings = RecipeSettings(port=0, api_token=TOKEN)
    assert len(create_app(settings).user_middleware) == 4
    assert create_app(settings, validation=False).user_middleware == []


def _client(pki: Pki, handler: httpx.MockTransport) -> RecipeClient:
    return RecipeClient("https://recipe-api.test", pki.ca, transport=handler)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("status", "content", "error", "message"),
    [
        (404, b"{}", RecipeNotFound, "7"),
        (500, b"{}", RecipeApiError, "recipe-api answered 500"),
        (200, b"not json", RecipeApiError, "recipe-api answered invalid JSON"),
        (200, b"[1, 2]", RecipeApiError, "recipe-api answered an unexpected shape"),
    ],
)
def test_client_errors(
    pki: Pki, status: int, content: bytes, error: type[Exception], message: str
) -> None:
    transport = httpx.MockTransport(lambda request: httpx.Response(status, content=content))

    async def call() -> None:
        client = _client(pki, transport)
        try:
            await client.get_recipe(7)
        finally:
            await client.aclose()

    with pytest.raises(error) as exc:
        asyncio.run(call())
    assert str(exc.value) == message


@pytest.mark.slow
def test_client_success(pki: Pki) -> None:
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        return httpx.Response(200, json={"id": 3})

    async def call() -> dict[str, object]:
        client = _client(pki, httpx.MockTransport(handler))
        try:
            return await client.get_recipe(3)
        finally:
            await client.aclose()

    assert asyncio.run(call()) == {"id": 3}
    assert seen == ["https://recipe-api.test/recipes/3"]


def test_sample_settings_are_valid_from_files_for_every_environment() -> None:
    for model in (RecipeSettings, WebSettings):
        for env in ("development", "staging", "production"):
            report, _ = check_settings(model, env, environ={}, files_only=True)
            assert report.ok, report.problems
    report, _ = check_settings(RecipeSettings, "production", environ={}, files_only=True)
    assert report.deferred == ("api_token",)


def test_web_settings_refuse_plain_http(tmp_path: Path) -> None:
    report, _ = check_settings(
        WebSettings, "development", environ={"APP_RECIPE_API_URL": "http://x"}
    )
    assert [p.setting for p in report.problems] == ["recipe_api_url"]
