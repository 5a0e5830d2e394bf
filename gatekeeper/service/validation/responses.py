"""The one error response every validation middleware sends: FastAPI's ``detail`` shape."""

from __future__ import annotations

import json

from starlette.types import Send

REASONS = {
    400: "Bad Request",
    408: "Request Timeout",
    413: "Content Too Large",
    414: "URI Too Long",
    422: "Unprocessable Content",
}


async def reject(
    send: Send, status: int, kind: str, loc: str, message: str, *, close: bool = False
) -> None:
    """Send ``{"detail": [{"type", "loc", "msg"}]}`` with ``status``; ``close`` ends the connection.

    Close the connection whenever the request body was not read to its end: the client may still be
    sending it, and the server must not wait for (or parse) the rest.
    """
    body = json.dumps({"detail": [{"type": kind, "loc": [loc], "msg": message}]}).encode()
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
    ]
    if close:
        headers.append((b"connection", b"close"))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
