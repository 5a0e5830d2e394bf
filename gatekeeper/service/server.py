"""What every sample service shares: server settings and a uvicorn runner.

``PORT`` 0 asks the OS for a free port; the chosen address is printed at start
(``<name> (<env>) listening on https://127.0.0.1:43567``) so tests and scripts can find it.
uvicorn handles SIGTERM and SIGINT: in-flight requests finish, then :func:`serve` returns.
"""

from __future__ import annotations

import os
import signal
import socket
import ssl
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Self, TypeVar

from pydantic import Field, model_validator

from gatekeeper.errors import ConfigError, GatekeeperError
from gatekeeper.service.config import ENV_VAR, ServiceSettings, load_settings
from gatekeeper.service.validation import JSONLimits, QueryLimits, ValidationLimits

if TYPE_CHECKING:
    from starlette.types import ASGIApp

S = TypeVar("S", bound="ServerSettings")
STOP = (signal.SIGTERM, signal.SIGINT)
MAX_CONCURRENCY = 1000
#: The largest request line plus headers h11 buffers before answering 400 (its own default, set
#: here so an upgrade cannot change it silently).
MAX_HEAD_BYTES = 16 * 1024
#: Upper bounds of the request-limit settings: a typo must not switch a limit off.
MAX_BODY_LIMIT = 64 << 20
MAX_TIMEOUT_S = 300.0


class ServerSettings(ServiceSettings):
    """Settings every service has: where to listen, TLS, and the request limits."""

    host: str = "127.0.0.1"
    port: int = Field(ge=0, le=65535)
    #: Certificate chain and key (PEM). Both or neither; with them the service speaks HTTPS only.
    tls_cert: Path | None = None
    tls_key: Path | None = None
    max_body_bytes: int = Field(default=1 << 20, gt=0, le=MAX_BODY_LIMIT)
    body_timeout_s: float = Field(default=10.0, gt=0, le=MAX_TIMEOUT_S)
    #: A request line and headers must be complete this long after the connection opened or the
    #: previous response ended, or the connection is closed (slow-header clients).
    header_timeout_s: float = Field(default=10.0, gt=0, le=MAX_TIMEOUT_S)
    max_json_depth: int = Field(default=32, gt=0)
    max_json_keys: int = Field(default=1000, gt=0)
    max_json_string: int = Field(default=65536, gt=0)
    max_query_params: int = Field(default=100, gt=0)
    max_query_index: int = Field(default=100, ge=0)

    @model_validator(mode="after")
    def _tls_pair(self) -> Self:
        if (self.tls_cert is None) != (self.tls_key is None):
            raise ValueError("tls_cert and tls_key must be set together")
        return self

    def limits(self) -> ValidationLimits:
        return ValidationLimits(
            max_body_bytes=self.max_body_bytes,
            body_timeout_s=self.body_timeout_s,
            json=JSONLimits(self.max_json_depth, self.max_json_keys, self.max_json_string),
            query=QueryLimits(
                max_params=self.max_query_params,
                max_index=self.max_query_index,
                repeated="reject",
            ),
        )


def check_tls(settings: ServerSettings) -> None:
    """Load the certificate and key once before starting, for a clear error instead of a trace."""
    if settings.tls_cert is None or settings.tls_key is None:
        return
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    try:
        context.load_cert_chain(settings.tls_cert, settings.tls_key)
    except (OSError, ssl.SSLError) as exc:
        reason = exc.strerror or exc.__class__.__name__
        raise ConfigError(
            f"cannot load the TLS certificate and key: {reason}",
            path=settings.tls_cert,
            hint="issue them with `gatekeeper certs issue <service>`",
        ) from None


def bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise ConfigError(f"cannot listen on {host}:{port}: {exc.strerror}") from None
    # Listening before the address is printed: whoever reads it may connect at once.
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def serve(app: ASGIApp, settings: ServerSettings, *, name: str, environment: str) -> None:
    """Run ``app`` until SIGTERM/SIGINT. Prints the address it listens on first."""
    import uvicorn

    from gatekeeper.service.head_timeout import with_head_timeout

    check_tls(settings)
    sock = bind(settings.host, settings.port)
    host, port = sock.getsockname()[:2]
    scheme = "https" if settings.tls_cert else "http"
    shown = f"[{host}]" if ":" in host else host
    print(f"{name} ({environment}) listening on {scheme}://{shown}:{port}", flush=True)
    config = uvicorn.Config(
        app,
        http=with_head_timeout(settings.header_timeout_s),
        log_level="warning",
        server_header=False,
        date_header=False,
        timeout_keep_alive=5,
        timeout_graceful_shutdown=5,
        # Beyond this many open connections and tasks, answer 503 rather than exhaust memory.
        limit_concurrency=MAX_CONCURRENCY,
        h11_max_incomplete_event_size=MAX_HEAD_BYTES,
        ssl_certfile=settings.tls_cert,
        ssl_keyfile=settings.tls_key,
    )
    stops: list[int] = []
    # uvicorn re-raises the signal that stopped it once it has shut down; with these handlers in
    # place that ends in a normal return (exit handlers run) instead of death by signal.
    previous = {sig: signal.signal(sig, lambda num, _frame: stops.append(num)) for sig in STOP}
    try:
        uvicorn.Server(config).run(sockets=[sock])
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    why = f" by {signal.Signals(stops[0]).name}" if stops else ""
    print(f"{name} stopped{why}", file=sys.stderr, flush=True)


def run(name: str, model: type[S], factory: Callable[[S], ASGIApp]) -> int:
    """A service's main: load settings, build the app, serve. Returns the exit code.

    A missing or invalid setting prints every problem and the usage line, and returns 2 (3 when a
    secrets backend is unreachable); there is never a traceback for a configuration error.
    """
    try:
        settings = load_settings(model)
        environment = os.environ[ENV_VAR]
        serve(factory(settings), settings, name=name, environment=environment)
    except GatekeeperError as exc:
        print(f"{name}: {exc}", file=sys.stderr, flush=True)
        return exc.exit_code
    return 0
