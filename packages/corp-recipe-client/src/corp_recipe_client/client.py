"""The client and its errors. Messages never carry recipe-api's answer, only what was wrong."""

from __future__ import annotations

import ssl
from pathlib import Path
from typing import Any

import httpx


class RecipeNotFound(LookupError):
    """recipe-api has no recipe with this ID (it answered 404)."""


class RecipeApiError(RuntimeError):
    """recipe-api could not be reached or answered something unusable (no details leak out)."""


class CABundleError(ValueError):
    """The CA bundle cannot be loaded: ``path``, ``reason`` and a ``hint`` to fix it."""

    def __init__(self, path: Path, reason: str) -> None:
        self.path = path
        self.reason = reason
        self.hint = "run `gatekeeper certs init` or set APP_CA_BUNDLE"
        super().__init__(f"{path}: cannot load the CA bundle: {reason} ({self.hint})")


def trust_only(ca_bundle: Path) -> ssl.SSLContext:
    """A client TLS context whose only trust anchors are the certificates in ``ca_bundle``."""
    try:
        return ssl.create_default_context(cafile=str(ca_bundle))
    except (OSError, ssl.SSLError) as exc:
        raise CABundleError(ca_bundle, exc.strerror or exc.__class__.__name__) from None


class RecipeClient:
    """recipe-api over HTTPS: the CA bundle is the only trust anchor, redirects are not
    followed and proxy settings from the environment are ignored."""

    def __init__(
        self,
        base_url: str,
        ca_bundle: Path,
        *,
        timeout_s: float = 5.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self._http = httpx.AsyncClient(
            base_url=base_url,
            verify=trust_only(ca_bundle),
            timeout=timeout_s,
            transport=transport,
            follow_redirects=False,
            trust_env=False,
        )

    async def get_recipe(self, recipe_id: int) -> dict[str, Any]:
        """The recipe ``recipe_id`` as recipe-api's JSON object."""
        try:
            response = await self._http.get(f"/recipes/{recipe_id}")
        except httpx.HTTPError as exc:
            raise RecipeApiError(f"recipe-api unreachable: {exc.__class__.__name__}") from None
        if response.status_code == 404:
            raise RecipeNotFound(recipe_id)
        if response.status_code != 200:
            raise RecipeApiError(f"recipe-api answered {response.status_code}")
        try:
            body = response.json()
        except ValueError:
            raise RecipeApiError("recipe-api answered invalid JSON") from None
        if not isinstance(body, dict):
            raise RecipeApiError("recipe-api answered an unexpected shape")
        return body

    async def aclose(self) -> None:
        await self._http.aclose()
