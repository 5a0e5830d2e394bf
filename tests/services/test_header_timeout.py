"""Slow request heads (slowloris) are cut off by a real recipe-api, fast ones are served.

uvicorn alone never times out a connection whose first request head trickles in one byte at a
time, nor a keep-alive connection's next head once its first byte has arrived.
"""

from __future__ import annotations

import select
import socket
import time
from collections.abc import Iterator
from urllib.parse import urlsplit

import httpx
import pytest
from pydantic import ValidationError

from gatekeeper.service.server import ServerSettings
from tests.services.conftest import TOKEN, Server, start

pytestmark = pytest.mark.slow

TIMEOUT_S = 1.0
#: Structural bound: the deadline plus scheduling slack on a busy machine, far below "never".
CUT_OFF_WITHIN_S = 5.0
REQUEST = b"GET /health HTTP/1.1\r\nHost: localhost\r\n\r\n"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    log = tmp_path_factory.mktemp("head-timeout") / "stderr.log"
    running = start(
        "services.recipe_api",
        log,
        APP_ENV="development",
        APP_API_TOKEN=TOKEN,
        APP_HEADER_TIMEOUT_S=str(TIMEOUT_S),
    )
    yield running
    assert running.stop() == 0


def _connect(server: Server) -> socket.socket:
    parts = urlsplit(server.url)
    return socket.create_connection((parts.hostname or "", parts.port or 80), timeout=10)


def _response(sock: socket.socket) -> tuple[int, bytes]:
    """Read one response with a Content-Length; (0, b"") if the server closed instead."""
    data = b""
    while b"\r\n\r\n" not in data:
        more = sock.recv(65536)
        if not more:
            return 0, b""
        data += more
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    length = next(
        int(line.split(":", 1)[1]) for line in lines if line.lower().startswith("content-length:")
    )
    while len(body) < length:
        body += sock.recv(65536)
    return int(lines[0].split()[1]), body


def _trickle_until_closed(sock: socket.socket, head: bytes) -> float:
    """Send ``head`` a byte every 0.1 s, never finishing it; seconds until the server closes."""
    started = time.monotonic()
    for byte in head * 1000:
        if time.monotonic() - started > CUT_OFF_WITHIN_S:
            break
        readable, _, _ = select.select([sock], [], [], 0.1)
        try:
            if readable and sock.recv(1) == b"":
                return time.monotonic() - started
            sock.send(bytes([byte]))
        except (BrokenPipeError, ConnectionResetError):
            return time.monotonic() - started
    pytest.fail(f"the connection was still open after {CUT_OFF_WITHIN_S} s of trickled headers")


def test_a_trickled_first_head_is_cut_off(server: Server) -> None:
    with _connect(server) as sock:
        elapsed = _trickle_until_closed(sock, b"GET /health HTTP/1.1\r\nX-Pad: aaaaaaaa")
    assert TIMEOUT_S * 0.9 <= elapsed < CUT_OFF_WITHIN_S
    assert "request head not received within 1 s; connection closed" in server.log.read_text()
    assert httpx.get(f"{server.url}/health", timeout=5).status_code == 200


def test_keep_alive_requests_each_get_a_new_deadline(server: Server) -> None:
    with _connect(server) as sock:
        # Three requests 0.6 s apart: longer than one deadline in all, each head on time.
        for _ in range(3):
            sock.sendall(REQUEST)
            status, body = _response(sock)
            assert (status, body) == (200, b'{"status":"ok"}')
            time.sleep(0.6)
        sock.sendall(REQUEST)
        assert _response(sock)[0] == 200


def test_a_trickled_second_head_is_cut_off(server: Server) -> None:
    with _connect(server) as sock:
        sock.sendall(REQUEST)
        assert _response(sock)[0] == 200
        # The first byte cancels uvicorn's keep-alive timer; the head deadline still runs.
        elapsed = _trickle_until_closed(sock, b"GET /health HTTP/1.1\r\nX-Pad: aaaaaaaa")
    assert TIMEOUT_S * 0.9 <= elapsed < CUT_OFF_WITHIN_S


def test_a_waiting_request_is_not_cut_off(server: Server) -> None:
    """The deadline is for the head only: a body within its own deadline is served."""
    body = b'{"name": "Soup", "ingredients": ["water"]}'
    with _connect(server) as sock:
        sock.sendall(
            b"POST /recipes HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
            + f"Authorization: Bearer {TOKEN}\r\nContent-Length: {len(body)}\r\n\r\n".encode()
        )
        time.sleep(TIMEOUT_S * 1.5)
        sock.sendall(body)
        assert _response(sock)[0] == 201


@pytest.mark.parametrize("value", [0, -1, 301])
def test_the_deadline_is_bounded(value: float) -> None:
    with pytest.raises(ValidationError, match="header_timeout_s"):
        ServerSettings(port=0, header_timeout_s=value)


def test_the_default_deadline() -> None:
    assert ServerSettings(port=0).header_timeout_s == 10.0


def test_a_body_cap_beyond_the_bound_is_refused() -> None:
    with pytest.raises(ValidationError, match="max_body_bytes"):
        ServerSettings(port=0, max_body_bytes=(64 << 20) + 1)


def test_a_head_over_16_kib_is_a_400(server: Server) -> None:
    with _connect(server) as sock:
        sock.sendall(b"GET /health HTTP/1.1\r\nX-Pad: " + b"a" * (17 * 1024) + b"\r\n\r\n")
        answer = b""
        while more := sock.recv(65536):  # the 400 is followed by the server's close
            answer += more
    assert answer.startswith(b"HTTP/1.1 400 ")
