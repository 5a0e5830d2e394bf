"""The client against mock transports: every answer recipe-api could give, and bad bundles."""

from __future__ import annotations

import asyncio
import ssl
from pathlib import Path

import corp_recipe_client
import httpx
import pytest
from corp_recipe_client import (
    CABundleError,
    RecipeApiError,
    RecipeClient,
    RecipeNotFound,
    trust_only,
)


def _get(ca_bundle: Path, transport: httpx.AsyncBaseTransport, recipe_id: int = 7) -> object:
    async def call() -> object:
        client = RecipeClient("https://recipe-api.test", ca_bundle, transport=transport)
        try:
            return await client.get_recipe(recipe_id)
        finally:
            await client.aclose()

    return asyncio.run(call())


@pytest.mark.parametrize(
    ("status", "content", "error", "message"),
    [
        (404, b"{}", RecipeNotFound, "7"),
        (500, b"{}", RecipeApiError, "recipe-api answered 500"),
        (302, b"", RecipeApiError, "recipe-api answered 302"),
        (200, b"not json", RecipeApiError, "recipe-api answered invalid JSON"),
        (200, b"[1, 2]", RecipeApiError, "recipe-api answered an unexpected shape"),
    ],
)
def test_errors(
    ca_bundle: Path, status: int, content: bytes, error: type[Exception], message: str
) -> None:
    transport = httpx.MockTransport(lambda request: httpx.Response(status, content=content))
    with pytest.raises(error) as exc:
        _get(ca_bundle, transport)
    assert str(exc.value) == message


def test_unreachable_names_only_the_error_class(ca_bundle: Path) -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused to 10.0.0.1", request=request)

    with pytest.raises(RecipeApiError) as exc:
        _get(ca_bundle, httpx.MockTransport(refuse))
    assert str(exc.value) == "recipe-api unreachable: ConnectError"


def test_success(ca_bundle: Path) -> None:
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        return httpx.Response(200, json={"id": 3})

    assert _get(ca_bundle, httpx.MockTransport(handler), 3) == {"id": 3}
    assert seen == ["https://recipe-api.test/recipes/3"]


def test_trusts_only_the_bundle(ca_bundle: Path) -> None:
    context = trust_only(ca_bundle)
    assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname
    (only,) = context.get_ca_certs()
    assert only["subject"] == ((("commonName", "test CA"),),)


def test_missing_bundle(tmp_path: Path) -> None:
    missing = tmp_path / "nope.pem"
    with pytest.raises(CABundleError) as exc:
        RecipeClient("https://recipe-api.test", missing)
    assert exc.value.path == missing
    assert exc.value.reason == "No such file or directory"
    assert str(exc.value) == (
        f"{missing}: cannot load the CA bundle: No such file or directory "
        "(run `gatekeeper certs init` or set APP_CA_BUNDLE)"
    )
    assert isinstance(exc.value, ValueError)


def test_bundle_that_holds_no_certificate(tmp_path: Path) -> None:
    bundle = tmp_path / "ca.pem"
    bundle.write_text("not a certificate\n")
    with pytest.raises(CABundleError) as exc:
        trust_only(bundle)
    assert exc.value.reason.startswith("[X509: NO_CERTIFICATE_OR_CRL_FOUND]")


def test_version_and_exports() -> None:
    assert corp_recipe_client.__version__ == "1.0.0"
    assert sorted(corp_recipe_client.__all__) == corp_recipe_client.__all__
