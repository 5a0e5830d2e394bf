"""Drive an ASGI callable directly: scripted ``receive`` messages, recorded ``send`` messages."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

Message = dict[str, Any]
ASGI = Any  # any ASGI callable; the middlewares type theirs with starlette.types


def http_scope(
    headers: Sequence[tuple[bytes, bytes]] = (), query: bytes = b"", method: str = "POST"
) -> dict[str, Any]:
    return {
        "type": "http",
        "method": method,
        "path": "/",
        "query_string": query,
        "headers": list(headers),
    }


def run(
    app: ASGI, scope: dict[str, Any], messages: Sequence[Message] = (), delay: float = 0.0
) -> list[Message]:
    """Call ``app``; ``receive`` returns ``messages`` in turn (each after ``delay`` s), then
    blocks forever (as a server does until the client sends more)."""
    sent: list[Message] = []
    queue = list(messages)

    async def receive() -> Message:
        if not queue:
            await asyncio.sleep(3600)
        await asyncio.sleep(delay)
        return queue.pop(0)

    async def send(message: Message) -> None:
        sent.append(message)

    asyncio.run(app(scope, receive, send))
    return sent


def chunk(data: bytes, more: bool = True) -> Message:
    return {"type": "http.request", "body": data, "more_body": more}


def status(sent: list[Message]) -> int:
    return int(sent[0]["status"])


def body(sent: list[Message]) -> bytes:
    return b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")


def echo_app(read: bool = True) -> tuple[ASGI, list[bytes]]:
    """An app that reads the whole body (if ``read``) and answers 200 with its length."""
    seen: list[bytes] = []

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        data = b""
        if read:
            while True:
                message = await receive()
                if message["type"] == "http.disconnect":
                    seen.append(b"<disconnect>")
                    return
                data += message.get("body", b"")
                if not message.get("more_body"):
                    break
        seen.append(data)
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": str(len(data)).encode()})

    return app, seen
