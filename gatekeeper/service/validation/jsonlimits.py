"""Cheap structural limits on JSON request bodies: nesting depth, total keys, string length.

The check is one linear pass over the raw bytes with a regular expression that matches only
strings and structural characters (``[ ] { } :``), so it costs far less than parsing and stops at
the first limit crossed. It runs *before* the framework parses the body: a 10,000-deep document is
refused at depth ``max_depth + 1`` instead of exhausting the parser's recursion. Malformed JSON
is left to the parser (it answers 422 itself). String length is measured in encoded bytes, which
is never less than the decoded length.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gatekeeper.service.validation.responses import reject

_TOKEN = re.compile(rb'("[^"\\]*(?:\\.[^"\\]*)*")|([\[{])|([\]}])|(:)')
_STRING, _OPEN, _CLOSE, _COLON = 1, 2, 3, 4


@dataclass(frozen=True)
class JSONLimits:
    max_depth: int = 32
    max_keys: int = 1000
    max_string: int = 65536


@dataclass(frozen=True)
class JSONLimitError:
    kind: str
    message: str


def check_json(body: bytes, limits: JSONLimits) -> JSONLimitError | None:
    """The first limit ``body`` crosses, or None. Never parses, never recurses."""
    # Fast path, all in C: counts that include characters inside strings are upper bounds.
    if (
        len(body) - 2 <= limits.max_string
        and body.count(b"[") + body.count(b"{") <= limits.max_depth
        and body.count(b":") <= limits.max_keys
    ):
        return None
    depth = keys = 0
    for match in _TOKEN.finditer(body):
        group = match.lastindex
        if group == _STRING:
            if match.end() - match.start() - 2 > limits.max_string:
                return JSONLimitError(
                    "json_string_too_long", f"JSON string longer than {limits.max_string} bytes"
                )
        elif group == _OPEN:
            depth += 1
            if depth > limits.max_depth:
                return JSONLimitError(
                    "json_too_deep", f"JSON nested deeper than {limits.max_depth} levels"
                )
        elif group == _CLOSE:
            depth -= 1
        else:
            keys += 1
            if keys > limits.max_keys:
                return JSONLimitError(
                    "json_too_many_keys", f"JSON has more than {limits.max_keys} keys"
                )
    return None


def _is_json(scope: Scope) -> bool:
    for name, value in scope["headers"]:
        if name == b"content-type":
            media = value.split(b";", 1)[0].strip().lower()
            return bool(media == b"application/json" or media.endswith(b"+json"))
    return False


class JSONLimitsMiddleware:
    """Buffer a JSON request body (already capped by the body limit), check it, replay it."""

    def __init__(self, app: ASGIApp, *, limits: JSONLimits = JSONLimits()) -> None:  # noqa: B008 - frozen
        self.app = app
        self.limits = limits

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not _is_json(scope):
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        while True:
            message = await receive()
            if message["type"] != "http.request":  # the client went away: let the app see it
                await self.app(scope, _replay([message], receive), send)
                return
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                break
        body = chunks[0] if len(chunks) == 1 else b"".join(chunks)
        del chunks
        error = check_json(body, self.limits)
        if error is not None:
            await reject(send, 422, error.kind, "body", error.message)
            return
        replayed: Message = {"type": "http.request", "body": body, "more_body": False}
        await self.app(scope, _replay([replayed], receive), send)


def _replay(messages: list[Message], receive: Receive) -> Receive:
    async def replay() -> Message:
        if messages:
            return messages.pop(0)
        return await receive()

    return replay
