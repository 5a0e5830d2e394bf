"""A small local OSV API server: ``POST /v1/query``, ``POST /v1/querybatch``, ``GET /v1/vulns/ID``.

Serves a zip or a directory of OSV JSON (or YAML) files the way api.osv.dev answers, so
``pip-audit -s osv --osv-url http://127.0.0.1:PORT/v1/query`` and gatekeeper's online mode can
be pointed at exactly the data a local sync reads. Standalone on purpose: it shares no code with
gatekeeper, so comparing their answers cross-checks the matching. Needs ``packaging`` (and
``PyYAML`` for YAML files).

    python bench/audit/osv_server.py DATA [--port 0] [--host 127.0.0.1]

prints ``listening on http://HOST:PORT`` once ready. Query semantics: with a ``version``, the
non-withdrawn entries whose ECOSYSTEM ranges or ``versions`` list include it (entries with a
non PEP 440 range version are left out, as they cannot be evaluated); without one, every entry
naming the package, as stored.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import zipfile
from collections import defaultdict
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from packaging.version import InvalidVersion, Version

Entry = dict[str, Any]


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _documents(path: Path) -> list[tuple[str, bytes]]:
    if path.is_dir():
        return [
            (str(p), p.read_bytes())
            for p in sorted(path.rglob("*"))
            if p.suffix in (".json", ".yaml", ".yml") and p.is_file()
        ]
    with zipfile.ZipFile(path) as archive:
        return [
            (info.filename, archive.read(info))
            for info in archive.infolist()
            if info.filename.endswith((".json", ".yaml", ".yml"))
        ]


def load(path: Path) -> tuple[dict[str, list[Entry]], dict[str, Entry]]:
    """Entries by canonical PyPI package name, and by ID."""
    by_name: dict[str, list[Entry]] = defaultdict(list)
    by_id: dict[str, Entry] = {}
    for origin, data in _documents(path):
        if origin.endswith((".yaml", ".yml")):
            import yaml

            entry = yaml.safe_load(data)
        else:
            entry = json.loads(data)
        if not isinstance(entry, dict) or "id" not in entry:
            continue
        by_id[entry["id"]] = entry
        names = {
            canonical(a["package"]["name"])
            for a in entry.get("affected") or []
            if isinstance(a, dict) and a.get("package", {}).get("ecosystem") == "PyPI"
        }
        for name in names:
            by_name[name].append(entry)
    return dict(by_name), by_id


def _parsed(text: str) -> Version | None:
    try:
        return Version(text)
    except InvalidVersion:
        return None


def _in_range(version: Version, events: list[dict[str, str]]) -> bool:
    """The OSV specification's evaluation of one ECOSYSTEM range. An event whose version does
    not parse sorts above every real version, as on osv.dev: it changes nothing."""
    limits = [v for e in events if "limit" in e and (v := _parsed(e["limit"])) is not None]
    if limits and not any(version < limit for limit in limits):
        return False
    order = {"introduced": 0, "last_affected": 1, "fixed": 2}
    keyed = []
    for event in events:
        ((kind, text),) = event.items()
        if kind == "limit":
            continue
        low = kind == "introduced" and text == "0"
        bound = Version("0") if low else _parsed(text)
        if bound is not None:
            keyed.append(((0 if low else 1, bound), order[kind], kind))
    affected = False
    for (floor, bound), _, kind in sorted(keyed):
        if kind == "introduced":
            if floor == 0 or version >= bound:
                affected = True
        elif kind == "fixed" and version >= bound:
            affected = False
        elif kind == "last_affected" and version > bound:
            affected = False
    return affected


def affects(entry: Entry, name: str, version: Version) -> bool:
    """Raises ``InvalidVersion``/``ValueError`` when a range cannot be evaluated."""
    for item in entry.get("affected") or []:
        package = item.get("package", {})
        if package.get("ecosystem") != "PyPI" or canonical(package.get("name", "")) != name:
            continue
        for text in item.get("versions") or []:
            try:
                if Version(text) == version:
                    return True
            except InvalidVersion:
                continue
        for rng in item.get("ranges") or []:
            if rng.get("type") == "ECOSYSTEM" and _in_range(version, rng["events"]):
                return True
    return False


def query(by_name: dict[str, list[Entry]], body: dict[str, Any]) -> list[Entry]:
    package = body.get("package") or {}
    if package.get("ecosystem", "PyPI") != "PyPI" or not package.get("name"):
        return []
    name = canonical(package["name"])
    entries = by_name.get(name, [])
    if "version" not in body:
        return entries
    version = Version(body["version"])
    out = []
    for entry in entries:
        if entry.get("withdrawn"):
            continue
        try:
            if affects(entry, name, version):
                out.append(entry)
        except (InvalidVersion, ValueError, KeyError, TypeError):
            continue  # an entry whose ranges cannot be evaluated
    return out


def make_handler(
    by_name: dict[str, list[Entry]], by_id: dict[str, Entry]
) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # Headers and body go out in two writes; with Nagle's algorithm on, a kept-alive client
        # would wait for its delayed ACK (~40 ms) on every query. api.osv.dev does not stall.
        disable_nagle_algorithm = True

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            pass

        def _send(self, status: int, payload: object) -> None:
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            prefix = "/v1/vulns/"
            if self.path.startswith(prefix) and self.path[len(prefix) :] in by_id:
                self._send(200, by_id[self.path[len(prefix) :]])
            else:
                self._send(404, {"code": 5, "message": "Bug not found."})

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            try:
                body = json.loads(self.rfile.read(length) or b"{}")
                if self.path == "/v1/query":
                    vulns = query(by_name, body)
                    self._send(200, {"vulns": vulns} if vulns else {})
                elif self.path == "/v1/querybatch":
                    results = []
                    for item in body.get("queries", []):
                        found = query(by_name, item)
                        ids = [{"id": e["id"], "modified": e.get("modified")} for e in found]
                        results.append({"vulns": ids} if ids else {})
                    self._send(200, {"results": results})
                else:
                    self._send(404, {"code": 5, "message": "Not found."})
            except (ValueError, AttributeError, TypeError) as exc:
                self._send(400, {"code": 3, "message": f"Invalid query: {exc}"})

    return Handler


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", type=Path, help="zip or directory of OSV JSON/YAML files")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    args = parser.parse_args(argv)
    by_name, by_id = load(args.data)
    server = ThreadingHTTPServer((args.host, args.port), make_handler(by_name, by_id))
    host, port = str(server.server_address[0]), int(server.server_address[1])
    print(f"listening on http://{host}:{port}", flush=True)
    print(f"{len(by_id)} entries, {len(by_name)} packages", file=sys.stderr, flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
