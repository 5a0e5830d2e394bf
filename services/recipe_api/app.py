"""The recipe-api application."""

from __future__ import annotations

import hmac
from collections import OrderedDict
from typing import Annotated

from fastapi import FastAPI, Header, HTTPException
from fastapi import Path as PathParam
from pydantic import BaseModel, Field

from gatekeeper.service.validation import InputModel, install
from services.recipe_api.settings import Settings

RecipeId = Annotated[int, PathParam(ge=1, le=2**31 - 1)]
Text = Annotated[str, Field(min_length=1, max_length=200)]


class NewRecipe(InputModel):
    """What a client may send. ``id`` and ``created_by`` are the server's."""

    server_fields = frozenset({"id", "created_by"})

    name: Text
    ingredients: list[Text] = Field(min_length=1, max_length=100)
    steps: list[Annotated[str, Field(max_length=2000)]] = Field(
        default_factory=list, max_length=100
    )


class Recipe(BaseModel):
    id: int
    name: str
    ingredients: list[str]
    steps: list[str]
    created_by: str


class RecipeStore:
    """In-memory recipes, bounded: beyond ``capacity`` the oldest one is dropped."""

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self._recipes: OrderedDict[int, Recipe] = OrderedDict()
        self._next = 1

    def add(self, recipe: NewRecipe, created_by: str) -> Recipe:
        stored = Recipe(id=self._next, created_by=created_by, **recipe.model_dump())
        self._next += 1
        self._recipes[stored.id] = stored
        if len(self._recipes) > self.capacity:
            self._recipes.popitem(last=False)
        return stored

    def get(self, recipe_id: int) -> Recipe | None:
        return self._recipes.get(recipe_id)


def create_app(settings: Settings, *, validation: bool = True) -> FastAPI:
    """The app. ``validation=False`` exists for the overhead benchmark only."""
    app = FastAPI(title="recipe-api", docs_url=None, redoc_url=None, openapi_url=None)
    if validation:
        install(app, settings.limits())
    store = RecipeStore(settings.max_recipes)
    store.add(NewRecipe(name="Shakshuka", ingredients=["eggs", "tomatoes", "peppers"]), "seed")
    expected = settings.api_token.get_secret_value().encode()

    @app.get("/health")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/recipes/{recipe_id}")
    async def get_recipe(recipe_id: RecipeId) -> Recipe:
        recipe = store.get(recipe_id)
        if recipe is None:
            raise HTTPException(404, "recipe not found")
        return recipe

    @app.post("/recipes", status_code=201)
    async def post_recipe(
        recipe: NewRecipe, authorization: Annotated[str, Header()] = ""
    ) -> Recipe:
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(token.encode(), expected):
            raise HTTPException(
                401, "a valid bearer token is required", {"WWW-Authenticate": "Bearer"}
            )
        return store.add(recipe, created_by="api")

    return app
