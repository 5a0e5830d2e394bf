"""A raw HTTP/1.1 client for hostile requests that well-behaved clients refuse to send."""

from __future__ import annotations

import select
import socket
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from urllib.parse import urlsplit

PIECE = b"x" * 65536


@dataclass(frozen=True)
class RawResponse:
    status: int
    headers: dict[str, str]
    body: bytes
    body_sent: int
    closed: bool


def chunked(total: int, piece: bytes = PIECE) -> Iterator[bytes]:
    """``total`` bytes in chunked transfer encoding, never more than one piece in memory."""
    frame = f"{len(piece):x}\r\n".encode() + piece + b"\r\n"
    for _ in range(total // len(piece)):
        yield frame
    yield b"0\r\n\r\n"


def plain(total: int, piece: bytes = PIECE) -> Iterator[bytes]:
    for _ in range(total // len(piece)):
        yield piece


def trickle(count: int, pause: float) -> Iterator[bytes]:
    for _ in range(count):
        time.sleep(pause)
        yield b"x"


def send(url: str, head: str, body: Iterable[bytes], timeout: float = 60) -> RawResponse:
    """Send ``head`` then ``body`` pieces until the server answers; then read the answer."""
    parts = urlsplit(url)
    sock = socket.create_connection((parts.hostname or "", parts.port or 80), timeout=timeout)
    # A small send buffer: what was sent is close to what the server could have read.
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 256 * 1024)
    with sock:
        sock.sendall(head.replace("\n", "\r\n").encode() + b"\r\n")
        sock.setblocking(False)
        sent = 0
        for piece in body:
            view = memoryview(piece)
            answered = False
            while view:
                readable, writable, _ = select.select([sock], [sock], [], timeout)
                if readable:
                    answered = True
                    break
                if not writable:
                    raise TimeoutError("the server neither reads nor answers")
                try:
                    n = sock.send(view)
                except (BrokenPipeError, ConnectionResetError):
                    answered = True
                    break
                sent += n
                view = view[n:]
            if answered:
                break
        sock.setblocking(True)
        sock.settimeout(timeout)
        data = b""
        closed = False
        while True:
            try:
                more = sock.recv(65536)
            except ConnectionResetError:
                closed = True
                break
            if not more:
                closed = True
                break
            data += more
            head_end = data.find(b"\r\n\r\n")
            if head_end >= 0:
                length = _content_length(data[:head_end])
                if len(data) >= head_end + 4 + length:
                    # a closing server follows its answer with EOF: wait for it briefly
                    sock.settimeout(5)
                    try:
                        closed = sock.recv(1) == b""
                    except (TimeoutError, ConnectionResetError) as exc:
                        closed = isinstance(exc, ConnectionResetError)
                    break
    head_text, _, rest = data.partition(b"\r\n\r\n")
    lines = head_text.decode("latin-1").split("\r\n")
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    status = int(lines[0].split()[1]) if lines[0] else 0
    return RawResponse(status, headers, rest, sent, closed)


def _content_length(head: bytes) -> int:
    for line in head.split(b"\r\n"):
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return int(value.strip())
    return 0
