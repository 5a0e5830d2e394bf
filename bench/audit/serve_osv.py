"""Start osv_server.py with Nagle's algorithm off (TCP_NODELAY) on its connections.

    python bench/audit/serve_osv.py DATA [--port 0]

The server writes a response's headers and body separately; on a kept-alive connection Nagle's
algorithm then holds the body until the client's delayed ACK (about 40 ms per query on Linux).
That stall is the server's, not pip-audit's, so the benchmark switches it off to measure the
anchor at its best.
"""

from __future__ import annotations

import runpy
import sys
from http.server import BaseHTTPRequestHandler
from pathlib import Path

BaseHTTPRequestHandler.disable_nagle_algorithm = True

if __name__ == "__main__":
    server = Path(__file__).with_name("osv_server.py")
    sys.argv = [str(server), *sys.argv[1:]]
    runpy.run_path(str(server), run_name="__main__")
