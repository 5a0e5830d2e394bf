"""A real PEP 691 / PEP 503 simple index on loopback, served by http.server in a thread.

The first path segment picks the behaviour: ``json`` (PEP 691 JSON), ``html`` (PEP 503 HTML),
``badjson`` (JSON content type, broken body), ``listjson`` (JSON that is not an object),
``error`` (HTTP 500), ``auth`` (HTTP 403). Then ``/simple/`` and ``/simple/<name>/``.
"""

from __future__ import annotations

import html
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

Files = dict[str, list[tuple[str, bool]]]


def make_handler(projects: Files) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass

        def _send(self, code: int, body: str, ctype: str) -> None:
            data = body.encode()
            self.send_response(code)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            parts = [p for p in self.path.split("/") if p]
            mode, rest = parts[0], parts[2:]
            if mode == "error":
                return self._send(500, "boom", "text/plain")
            if mode == "auth":
                return self._send(403, "no", "text/plain")
            if mode == "badjson":
                return self._send(200, "{not json", "application/vnd.pypi.simple.v1+json")
            if mode == "listjson":
                return self._send(200, "[]", "application/vnd.pypi.simple.v1+json")
            if not rest:
                names = sorted(projects)
                if mode == "json":
                    body = {
                        "meta": {"api-version": "1.1"},
                        "projects": [{"name": n} for n in names],
                    }
                    return self._send(200, json.dumps(body), "application/vnd.pypi.simple.v1+json")
                links = "".join(f'<a href="{n}/">{html.escape(n)}</a>\n' for n in names)
                return self._send(200, f"<html><body>{links}</body></html>", "text/html")
            name = rest[0]
            if name not in projects:
                return self._send(404, "not found", "text/plain")
            files = projects[name]
            if mode == "json":
                body = {
                    "meta": {"api-version": "1.1"},
                    "name": name,
                    "files": [
                        {"filename": f, "url": f"../../files/{f}", "hashes": {}, "yanked": y}
                        for f, y in files
                    ],
                }
                return self._send(200, json.dumps(body), "application/vnd.pypi.simple.v1+json")
            yanked = ' data-yanked=""'
            links = "".join(
                f'<a href="/files/{f}"{yanked if y else ""}>{f}</a><br/>\n' for f, y in files
            )
            return self._send(200, f"<html><body><h1>x</h1>{links}</body></html>", "text/html")

    return Handler


@contextmanager
def serve(handler: type[BaseHTTPRequestHandler]) -> Iterator[str]:
    """Serve ``handler`` on a free loopback port in a thread; yields ``http://127.0.0.1:PORT``."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@contextmanager
def simple_index(projects: Files) -> Iterator[str]:
    """Serve ``projects``; yields the base URL (``http://127.0.0.1:PORT``)."""
    with serve(make_handler(projects)) as url:
        yield url


PROJECTS: Files = {
    "pyyaml": [
        ("PyYAML-5.3.1.tar.gz", False),
        ("PyYAML-5.4-cp311-cp311-manylinux1_x86_64.whl", False),
        ("PyYAML-5.4.1.tar.gz", False),
        ("PyYAML-6.0.1.tar.gz", False),
        ("PyYAML-7.0.tar.gz", True),
        ("PyYAML-7.0b1.tar.gz", False),
        ("README.txt", False),
    ],
    "requests": [("requests-2.19.0.tar.gz", False), ("requests-2.31.0-py3-none-any.whl", False)],
    "onlypre": [("onlypre-1.0a1.tar.gz", False)],
    "empty": [],
    "corp-lib": [("corp_lib-1.0.tar.gz", False), ("corp_lib-1.2.tar.gz", False)],
}
