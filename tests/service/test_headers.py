from __future__ import annotations

from typing import Any

from starlette.types import Scope

from gatekeeper.service.validation import DEFAULT_HEADERS, SecurityHeadersMiddleware
from tests.service.asgi import echo_app, http_scope, run


def _headers(sent: list[dict[str, Any]]) -> dict[bytes, bytes]:
    return dict(sent[0]["headers"])


def test_defaults_added_to_every_response() -> None:
    app, _ = echo_app(read=False)
    sent = run(SecurityHeadersMiddleware(app), http_scope(method="GET"))
    headers = _headers(sent)
    for name, value in DEFAULT_HEADERS.items():
        assert headers[name.encode()] == value.encode()
    assert sent[1]["type"] == "http.response.body"


def test_overrides_and_app_headers_win() -> None:
    async def app(scope: Scope, receive: Any, send: Any) -> None:
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"Cache-Control", b"max-age=60")],
            }
        )
        await send({"type": "http.response.body", "body": b""})

    mw = SecurityHeadersMiddleware(
        app, overrides={"X-Frame-Options": "SAMEORIGIN", "strict-transport-security": None}
    )
    headers = _headers(run(mw, http_scope(method="GET")))
    assert headers[b"x-frame-options"] == b"SAMEORIGIN"
    assert b"strict-transport-security" not in headers
    assert headers[b"Cache-Control"] == b"max-age=60" and b"cache-control" not in headers


def test_other_scopes_untouched() -> None:
    app, _ = echo_app(read=False)
    sent = run(SecurityHeadersMiddleware(app), {"type": "lifespan"})
    assert sent[0]["headers"] == []
