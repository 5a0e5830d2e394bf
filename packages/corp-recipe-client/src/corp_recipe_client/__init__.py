"""recipe-api's client: HTTPS, trusting only the internal CA bundle."""

from __future__ import annotations

from corp_recipe_client.client import (
    CABundleError,
    RecipeApiError,
    RecipeClient,
    RecipeNotFound,
    trust_only,
)

__version__ = "1.0.0"
__all__ = ["CABundleError", "RecipeApiError", "RecipeClient", "RecipeNotFound", "trust_only"]
