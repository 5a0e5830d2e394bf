"""A real PEP 503 simple index of real (tiny) wheels on loopback, for pip's resolver.

``make_wheel`` writes a valid pure-Python wheel (METADATA, WHEEL, RECORD with hashes) that
declares ``Requires-Dist`` entries; ``wheel_index`` serves a directory of them with
``http.server`` in a thread: ``/simple/<name>/`` lists the project's files, ``/files/<f>``
serves one.
"""

from __future__ import annotations

import base64
import hashlib
import html
import re
import zipfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler
from pathlib import Path

from tests.deps.simple_index import serve


def _record_hash(data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"sha256={digest}"


def make_wheel(directory: Path, name: str, version: str, requires: Sequence[str] = ()) -> Path:
    dist = re.sub(r"[-_.]+", "_", name)
    info = f"{dist}-{version}.dist-info"
    files = {
        f"{dist}/__init__.py": b"",
        f"{info}/METADATA": (
            f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n"
            + "".join(f"Requires-Dist: {r}\n" for r in requires)
        ).encode(),
        f"{info}/WHEEL": b"Wheel-Version: 1.0\nGenerator: tests\nRoot-Is-Purelib: true\n"
        b"Tag: py3-none-any\n",
    }
    record = "".join(f"{path},{_record_hash(data)},{len(data)}\n" for path, data in files.items())
    files[f"{info}/RECORD"] = (record + f"{info}/RECORD,,\n").encode()
    target = directory / f"{dist}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(target, "w") as archive:
        for path, data in files.items():
            archive.writestr(path, data)
    return target


def _handler(directory: Path) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass

        def _send(self, code: int, body: bytes, ctype: str) -> None:
            self.send_response(code)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:
            parts = [p for p in self.path.split("/") if p]
            if len(parts) == 2 and parts[0] == "files" and (directory / parts[1]).is_file():
                return self._send(200, (directory / parts[1]).read_bytes(), "application/zip")
            if len(parts) == 2 and parts[0] == "simple":
                wanted = re.sub(r"[-_.]+", "-", parts[1]).lower()
                links = [
                    f'<a href="/files/{html.escape(w.name)}">{html.escape(w.name)}</a><br/>'
                    for w in sorted(directory.glob("*.whl"))
                    if re.sub(r"[-_.]+", "-", w.name.split("-")[0]).lower() == wanted
                ]
                if links:
                    body = f"<html><body>{''.join(links)}</body></html>".encode()
                    return self._send(200, body, "text/html")
            return self._send(404, b"not found", "text/plain")

    return Handler


@contextmanager
def wheel_index(directory: Path) -> Iterator[str]:
    """Serve the wheels in ``directory``; yields the simple index URL (``.../simple/``)."""
    with serve(_handler(directory)) as url:
        yield f"{url}/simple/"
