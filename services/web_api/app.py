"""The web-api application."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any

from corp_recipe_client import CABundleError, RecipeApiError, RecipeClient, RecipeNotFound
from fastapi import FastAPI, HTTPException
from fastapi import Path as PathParam

from gatekeeper.errors import ConfigError
from gatekeeper.service.validation import install
from services.web_api.settings import Settings

RecipeId = Annotated[int, PathParam(ge=1, le=2**31 - 1)]


def _client(settings: Settings) -> RecipeClient:
    try:
        return RecipeClient(
            str(settings.recipe_api_url),
            settings.ca_bundle,
            timeout_s=settings.recipe_api_timeout_s,
        )
    except CABundleError as exc:  # exit 2 naming the file, as every configuration error
        raise ConfigError(
            f"cannot load the CA bundle: {exc.reason}", path=exc.path, hint=exc.hint
        ) from None


def create_app(settings: Settings, client: RecipeClient | None = None) -> FastAPI:
    recipes = client or _client(settings)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        await recipes.aclose()

    app = FastAPI(
        title="web-api", docs_url=None, redoc_url=None, openapi_url=None, lifespan=lifespan
    )
    install(app, settings.limits())

    @app.get("/health")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/recipes/{recipe_id}")
    async def get_recipe(recipe_id: RecipeId) -> dict[str, Any]:
        try:
            recipe = await recipes.get_recipe(recipe_id)
        except RecipeNotFound:
            raise HTTPException(404, "recipe not found") from None
        except RecipeApiError as exc:
            raise HTTPException(502, str(exc)) from None
        return {"recipe": recipe, "producer": "recipe-api", "consumer": "web-api"}

    return app
