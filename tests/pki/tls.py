"""A tiny real TLS server for handshake tests (ssl module, one thread, loopback)."""

from __future__ import annotations

import contextlib
import socket
import ssl
import threading
from collections.abc import Iterator
from pathlib import Path


@contextlib.contextmanager
def tls_server(cert_dir: Path) -> Iterator[int]:
    """Serve TLS with ``cert_dir``'s fullchain.pem and key.pem; answer b"hello" and close."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_dir / "fullchain.pem", cert_dir / "key.pem")
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    listener.settimeout(0.2)
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            conn.settimeout(5)
            with (
                contextlib.suppress(ssl.SSLError, OSError),
                context.wrap_socket(conn, server_side=True) as tls,
            ):
                tls.sendall(b"hello")
            conn.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1]
    finally:
        stop.set()
        thread.join(5)
        listener.close()


def handshake(port: int, hostname: str, cafile: Path, crlfile: Path | None = None) -> bytes:
    """Connect as a client trusting only ``cafile``; raises ssl errors on failure."""
    context = ssl.create_default_context(cafile=str(cafile))
    if crlfile is not None:
        context.load_verify_locations(cafile=str(crlfile))
        context.verify_flags |= ssl.VERIFY_CRL_CHECK_LEAF
    with (
        socket.create_connection(("127.0.0.1", port), timeout=5) as raw,
        context.wrap_socket(raw, server_hostname=hostname) as tls,
    ):
        return tls.recv(16)
