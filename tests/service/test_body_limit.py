from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from starlette.types import Scope

from gatekeeper.service.validation import BodyLimitMiddleware
from tests.service.asgi import body, chunk, echo_app, http_scope, run, status


def test_small_body_passes_through() -> None:
    app, seen = echo_app()
    sent = run(BodyLimitMiddleware(app, max_bytes=10), http_scope(), [chunk(b"12345", False)])
    assert status(sent) == 200 and seen == [b"12345"]


def test_declared_length_over_the_cap_is_refused_before_the_app_runs() -> None:
    app, seen = echo_app()
    scope = http_scope([(b"content-length", b"11")])
    sent = run(BodyLimitMiddleware(app, max_bytes=10), scope)
    assert status(sent) == 413 and seen == []
    assert (b"connection", b"close") in sent[0]["headers"]
    detail = json.loads(body(sent))["detail"][0]
    assert detail == {
        "type": "body_too_large",
        "loc": ["body"],
        "msg": "request body larger than 10 bytes",
    }


def test_invalid_content_length_is_a_bad_request() -> None:
    app, seen = echo_app()
    sent = run(BodyLimitMiddleware(app), http_scope([(b"content-length", b"-1")]))
    assert status(sent) == 400 and seen == []


def test_lying_content_length_is_cut_off_when_the_cap_is_crossed() -> None:
    app, seen = echo_app()
    scope = http_scope([(b"content-type", b"text/plain"), (b"content-length", b"4")])
    # the third chunk is never asked for: the cap was crossed by the second
    messages = [chunk(b"x" * 6), chunk(b"x" * 6), chunk(b"never")]
    sent = run(BodyLimitMiddleware(app, max_bytes=10), scope, messages)
    assert status(sent) == 413 and seen == []


def test_slow_body_gets_408() -> None:
    app, seen = echo_app()
    messages = [chunk(b"a"), chunk(b"b"), chunk(b"c")]
    sent = run(BodyLimitMiddleware(app, timeout_s=0.05), http_scope(), messages, delay=0.03)
    assert status(sent) == 408 and seen == []
    assert json.loads(body(sent))["detail"][0]["msg"] == "request body not received within 0.05 s"


def test_disconnect_reaches_the_app() -> None:
    app, seen = echo_app()
    run(BodyLimitMiddleware(app), http_scope(), [{"type": "http.disconnect"}])
    assert seen == [b"<disconnect>"]


def test_app_that_answered_already_is_left_to_the_server() -> None:
    async def early(scope: Scope, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await receive()
        await receive()

    with pytest.raises(BaseException) as exc:  # noqa: B017 - the private control-flow class
        run(BodyLimitMiddleware(early, max_bytes=1), http_scope(), [chunk(b"ab")])
    assert type(exc.value).__name__ == "_TooLarge"


def test_other_scopes_untouched() -> None:
    app, seen = echo_app(read=False)
    sent = run(BodyLimitMiddleware(app), {"type": "lifespan"})
    assert status(sent) == 200 and seen == [b""]


def test_deadline_passing_while_the_app_is_busy() -> None:
    async def busy(scope: Scope, receive: Any, send: Any) -> None:
        await receive()
        await asyncio.sleep(0.1)  # the deadline passes here, between two chunks
        await receive()

    mw = BodyLimitMiddleware(busy, timeout_s=0.05)
    sent = run(mw, http_scope(), [chunk(b"a"), chunk(b"b", False)])
    assert status(sent) == 408


def test_waiting_for_disconnect_after_the_body_is_not_limited() -> None:
    seen: list[str] = []

    async def app(scope: Scope, receive: Any, send: Any) -> None:
        seen.append((await receive())["type"])
        seen.append((await receive())["type"])  # arrives after the deadline: still delivered
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    mw = BodyLimitMiddleware(app, timeout_s=0.05)
    messages = [chunk(b"a", False), {"type": "http.disconnect"}]
    assert status(run(mw, http_scope(), messages, delay=0.04)) == 204
    assert seen == ["http.request", "http.disconnect"]


def test_cancellation_from_outside_is_not_a_timeout() -> None:
    app, seen = echo_app()
    sent: list[dict[str, Any]] = []

    async def never() -> dict[str, Any]:
        await asyncio.sleep(3600)
        raise AssertionError("unreachable")

    async def record(message: Any) -> None:
        sent.append(message)

    async def main() -> None:
        task = asyncio.create_task(BodyLimitMiddleware(app)(http_scope(), never, record))
        await asyncio.sleep(0.01)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(main())
    assert sent == [] and seen == []
