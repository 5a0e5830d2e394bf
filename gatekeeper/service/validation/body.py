"""Cap the request body while it streams in, and give the whole body a deadline.

The cap is checked against ``Content-Length`` before the application runs (413 at once), and
against the bytes actually received on every chunk, so a lying or missing ``Content-Length``
(chunked transfer) is cut off as soon as the limit is crossed, without reading the rest. A body
that does not arrive completely within ``timeout_s`` (a slow client sending small pieces) gets
408. Both responses close the connection.
"""

from __future__ import annotations

import asyncio
from typing import cast

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gatekeeper.service.validation.responses import reject


class _Stop(BaseException):  # noqa: N818 - control flow, not an error
    """Raised from ``receive`` to unwind the application.

    A BaseException so that frameworks that turn every ``Exception`` from body parsing into a 400
    (FastAPI does) let it through to this middleware.
    """

    status = 0
    kind = ""
    message = ""


class _TooLarge(_Stop):
    status = 413
    kind = "body_too_large"


class _TooSlow(_Stop):
    status = 408
    kind = "body_timeout"


class _State:
    """Per-request bookkeeping (one small object instead of several closure cells)."""

    __slots__ = ("deadline", "done", "expired", "received", "started", "timer", "waiting")

    def __init__(self) -> None:
        self.deadline = 0.0
        self.received = 0
        self.started = self.done = self.expired = self.waiting = False
        self.timer: asyncio.TimerHandle | None = None


class BodyLimitMiddleware:
    def __init__(self, app: ASGIApp, *, max_bytes: int = 1 << 20, timeout_s: float = 10.0) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.timeout_s = timeout_s

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        too_large = f"request body larger than {self.max_bytes} bytes"
        for name, value in scope["headers"]:
            if name != b"content-length":
                continue
            if not value.isdigit():
                await reject(send, 400, "bad_content_length", "header", "invalid Content-Length")
                return
            if int(value) > self.max_bytes:
                await reject(send, 413, "body_too_large", "body", too_large, close=True)
                return
        loop = asyncio.get_running_loop()
        task = cast("asyncio.Task[None]", asyncio.current_task())  # ASGI apps run in a task
        state = _State()

        def expire() -> None:
            state.expired = True
            if state.waiting:
                task.cancel()

        async def limited_receive() -> Message:
            if state.done:  # the body is complete: waiting for a disconnect is not limited
                return await receive()
            if state.expired:
                raise _TooSlow
            if state.timer is None:  # one timer per request, not one per chunk
                state.timer = loop.call_at(state.deadline, expire)
            state.waiting = True
            try:
                message = await receive()
            except asyncio.CancelledError:
                if state.expired and task.uncancel() == 0:
                    raise _TooSlow from None
                raise
            finally:
                state.waiting = False
            if message["type"] == "http.request":
                state.received += len(message.get("body", b""))
                if state.received > self.max_bytes:
                    raise _TooLarge
                if not message.get("more_body", False):
                    state.done = True
            return message

        async def tracking_send(message: Message) -> None:
            state.started = True
            await send(message)

        state.deadline = loop.time() + self.timeout_s
        try:
            await self.app(scope, limited_receive, tracking_send)
        except _Stop as stop:
            if state.started:  # the response is on its way; only closing the connection is left
                raise
            message = (
                too_large
                if isinstance(stop, _TooLarge)
                else f"request body not received within {self.timeout_s:g} s"
            )
            await reject(send, stop.status, stop.kind, "body", message, close=True)
        finally:
            if state.timer is not None:
                state.timer.cancel()
