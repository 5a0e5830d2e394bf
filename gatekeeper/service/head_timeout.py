"""uvicorn's h11 protocol with a deadline for each request head (a slowloris defence).

uvicorn starts no timer on a connection until its first response is complete, and its keep-alive
timer is cancelled by the first byte of the next request; a client that sends its headers one
byte a second holds a connection (and one of the ``limit_concurrency`` slots) forever. Here a
timer starts whenever the connection waits for a request head (on connect, and after each
response) and is cancelled once a whole head has been parsed; when it fires, the connection is
closed. It is a deadline from the start of the wait, not an idle timeout: bytes that arrive do
not extend it. Bodies have their own deadline (``BodyLimitMiddleware``).
"""

from __future__ import annotations

import asyncio

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol


class HeadTimeoutProtocol(H11Protocol):
    """Close a connection whose request head is not complete ``head_timeout_s`` after it began."""

    head_timeout_s: float = 10.0
    _head_timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._watch_head()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        self._watch_head()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        self._watch_head()

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop_head_timer()
        super().connection_lost(exc)

    def _watch_head(self) -> None:
        # h11 leaves IDLE for the client as soon as it has parsed a request line and headers.
        if self.conn.their_state is not h11.IDLE:
            self._stop_head_timer()
        elif self._head_timer is None:
            self._head_timer = self.loop.call_later(self.head_timeout_s, self._head_expired)

    def _stop_head_timer(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _head_expired(self) -> None:
        self._head_timer = None
        prefix = f"{self.client[0]}:{self.client[1]} - " if self.client else ""
        self.logger.warning(
            "%srequest head not received within %g s; connection closed",
            prefix,
            self.head_timeout_s,
        )
        self.transport.close()


def with_head_timeout(seconds: float) -> type[HeadTimeoutProtocol]:
    """The protocol class to pass as uvicorn's ``Config(http=...)``, with this deadline."""
    return type("HeadTimeoutProtocol", (HeadTimeoutProtocol,), {"head_timeout_s": seconds})
