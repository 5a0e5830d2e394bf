"""A fake clock for the retry loop, and a tiny loopback server that trickles its answer."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

from gatekeeper.net.retry import Clock

#: The wall-clock time the fake clock reports (for Retry-After HTTP-dates).
WALL = 1_700_000_000.0


@dataclass
class FakeTime:
    now: float = 0.0
    sleeps: list[float] = field(default_factory=list)
    jitter: float = 1.0

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds

    def clock(self) -> Clock:
        return Clock(
            sleep=self.sleep,
            monotonic=lambda: self.now,
            wall=lambda: WALL + self.now,
            random=lambda: self.jitter,
        )


@contextlib.contextmanager
def trickling_server(
    interval: float = 0.2, total: int = 1000, length: int | None = None
) -> Iterator[str]:
    """``http://127.0.0.1:<port>/``: a 200 whose body arrives one byte every ``interval`` s;
    ``total`` bytes are sent, though the header announces ``length`` (default: ``total``)."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.1)
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            with conn, contextlib.suppress(OSError):
                conn.recv(65536)
                conn.sendall(
                    f"HTTP/1.1 200 OK\r\nContent-Length: {length or total}\r\n\r\n".encode()
                )
                for _ in range(total):
                    if stop.wait(interval):
                        break
                    conn.sendall(b"x")

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}/"
    finally:
        stop.set()
        thread.join(5)
        listener.close()


def elapsed(start: float) -> float:
    return time.monotonic() - start


@contextlib.contextmanager
def answering_server(body: bytes, content_type: str = "text/html") -> Iterator[str]:
    """``http://127.0.0.1:<port>``: answers 200 with ``body`` to every GET, POST, PUT or LIST
    (a misconfigured proxy in front of Vault, say)."""
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class Handler(BaseHTTPRequestHandler):
        def answer(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_POST = do_PUT = do_LIST = answer

        def log_message(self, *args: object) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()
