from __future__ import annotations

import json
from typing import Any

import pytest
from starlette.types import Scope

from gatekeeper.service.validation import JSONLimits, JSONLimitsMiddleware, check_json
from tests.service.asgi import body, chunk, echo_app, http_scope, run, status

LIMITS = JSONLimits(max_depth=3, max_keys=3, max_string=5)
JSON = [(b"content-type", b"application/json; charset=utf-8")]


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        (b'{"a": [1, {"b": "12345"}]}', None),
        (b'[[["x"]]]', None),
        (b"[[[[1]]]]", "json_too_deep"),
        (b"[" * 10_000 + b"]" * 10_000, "json_too_deep"),
        (b'{"a":1,"b":2,"c":3}', None),
        (b'{"a":1,"b":2,"c":3,"d":4}', "json_too_many_keys"),
        (b'["123456"]', "json_string_too_long"),
        (b'{"123456": 1}', "json_string_too_long"),
        (b'["a:b", "[[[[", "{{{{"]', None),  # structure inside strings does not count
        (b'["\\"[[["]', None),  # nor after an escaped quote
        (b"[1, 2, 3", None),  # malformed: left to the parser
    ],
)
def test_check_json(text: bytes, kind: str | None) -> None:
    error = check_json(text, LIMITS)
    assert (error.kind if error else None) == kind


def test_violation_is_422_with_a_clear_body() -> None:
    app, seen = echo_app()
    mw = JSONLimitsMiddleware(app, limits=LIMITS)
    sent = run(mw, http_scope(JSON), [chunk(b"[[[["), chunk(b"]]]]", False)])
    assert status(sent) == 422 and seen == []
    assert json.loads(body(sent)) == {
        "detail": [
            {"type": "json_too_deep", "loc": ["body"], "msg": "JSON nested deeper than 3 levels"}
        ]
    }


@pytest.mark.parametrize("media", [b"application/json", b"application/merge-patch+json"])
def test_valid_body_is_replayed_whole(media: bytes) -> None:
    app, seen = echo_app()
    mw = JSONLimitsMiddleware(app, limits=LIMITS)
    scope = http_scope([(b"content-type", media)])
    sent = run(mw, scope, [chunk(b'{"a":'), chunk(b"1}", False)])
    assert status(sent) == 200 and seen == [b'{"a":1}']
    sent = run(mw, scope, [chunk(b"[1]", False)])
    assert seen[-1] == b"[1]"


def test_disconnect_while_buffering_reaches_the_app() -> None:
    app, seen = echo_app()
    run(JSONLimitsMiddleware(app), http_scope(JSON), [chunk(b"[1"), {"type": "http.disconnect"}])
    assert seen == [b"<disconnect>"]


@pytest.mark.parametrize("headers", [[], [(b"content-type", b"text/plain")]])
def test_non_json_is_not_buffered(headers: list[tuple[bytes, bytes]]) -> None:
    app, seen = echo_app()
    sent = run(
        JSONLimitsMiddleware(app, limits=LIMITS), http_scope(headers), [chunk(b"[[[[", False)]
    )
    assert status(sent) == 200 and seen == [b"[[[["]


def test_other_scopes_untouched() -> None:
    app, seen = echo_app(read=False)
    assert status(run(JSONLimitsMiddleware(app), {"type": "lifespan"})) == 200


def test_after_the_replayed_body_the_server_receive_is_used() -> None:
    seen: list[dict[str, object]] = []

    async def app(scope: Scope, receive: Any, send: Any) -> None:
        seen.append(await receive())
        seen.append(await receive())
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    sent = run(
        JSONLimitsMiddleware(app),
        http_scope(JSON),
        [chunk(b"{}", False), {"type": "http.disconnect"}],
    )
    assert status(sent) == 204
    assert [m["type"] for m in seen] == ["http.request", "http.disconnect"]
