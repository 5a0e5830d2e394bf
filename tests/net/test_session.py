"""The requests session hvac uses: same policy, URL rule per hop, deadline, size cap; and the
mapping of requests and hvac exceptions."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import hvac.exceptions as hv
import pytest
import requests

from gatekeeper.errors import (
    AuthenticationError,
    BackendError,
    BackendUnavailable,
    ConfigError,
    InputError,
)
from gatekeeper.net.errors import DeadlineExceeded, ResponseTooLarge, map_error
from gatekeeper.net.retry import RetryPolicy
from gatekeeper.net.session import _bounded, session
from tests.net.fakes import FakeTime, elapsed, trickling_server


@contextlib.contextmanager
def server() -> Iterator[tuple[str, list[str]]]:
    """A loopback server: /flaky answers 503 (Retry-After: 1) twice then 200; /away redirects
    to plain HTTP off loopback; /big sends 5000 bytes; anything else 200 {"ok": true}."""
    seen: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            seen.append(self.path)
            if self.path == "/flaky" and seen.count("/flaky") < 3:
                self.send_response(503)
                self.send_header("Retry-After", "1")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            if self.path == "/away":
                self.send_response(307)
                self.send_header("Location", "http://vault.example:8200/v1/x")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            body = b"x" * 5000 if self.path == "/big" else b'{"ok": true}'
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}", seen
    finally:
        httpd.shutdown()
        httpd.server_close()


def vault_session(fake: FakeTime, **kw: object) -> requests.Session:
    options: dict[str, object] = {"max_bytes": 1000, "policy": RetryPolicy(attempts=3)}
    options.update(kw)
    policy = options.pop("policy")
    return session(
        policy,  # type: ignore[arg-type]
        what="Vault",
        setting="VAULT_ADDR",
        error=ConfigError,
        clock=fake.clock(),
        **options,  # type: ignore[arg-type]
    )


def test_the_session_retries_honouring_retry_after() -> None:
    fake = FakeTime()
    with server() as (base, seen), vault_session(fake) as http:
        assert http.get(f"{base}/flaky", timeout=5).json() == {"ok": True}
        assert http.verify is True and http.headers["User-Agent"].startswith("gatekeeper/")
    assert seen == ["/flaky"] * 3 and fake.sleeps == [1.0, 1.0]


def test_the_session_gives_up_and_returns_the_last_answer() -> None:
    fake = FakeTime()
    with server() as (base, seen), vault_session(fake, policy=RetryPolicy(attempts=2)) as http:
        assert http.get(f"{base}/flaky", timeout=5).status_code == 503
    assert len(seen) == 2 and fake.sleeps == [1.0]


def test_the_session_refuses_a_redirect_to_plain_http() -> None:
    with server() as (base, seen), vault_session(FakeTime()) as http:
        with pytest.raises(ConfigError, match="VAULT_ADDR: refusing plain HTTP to vault.example"):
            http.get(f"{base}/away", timeout=5)
    assert seen == ["/away"]


def test_the_session_caps_the_size_and_streams_when_asked() -> None:
    with server() as (base, _), vault_session(FakeTime()) as http:
        with pytest.raises(ResponseTooLarge, match="Vault sent more than 1000 bytes"):
            http.get(f"{base}/big", timeout=5)
        with http.get(f"{base}/big", timeout=5, stream=True) as streamed:
            assert len(streamed.content) == 5000  # a streaming caller reads it itself


def test_the_session_retries_connection_errors_then_raises_them() -> None:
    from tests.servers import free_port

    fake = FakeTime()
    with vault_session(fake) as http, pytest.raises(requests.ConnectionError):
        http.get(f"http://127.0.0.1:{free_port()}/", timeout=2)
    assert len(fake.sleeps) == 2


def test_the_session_cuts_a_trickling_answer_at_the_deadline() -> None:
    started = time.monotonic()
    policy = RetryPolicy(attempts=1, deadline=1.0)
    with (
        trickling_server(interval=0.2) as url,
        session(
            policy, what="Vault", setting="VAULT_ADDR", error=ConfigError, max_bytes=10**6
        ) as http,
        pytest.raises(DeadlineExceeded, match="Vault did not finish within the 1 s deadline"),
    ):
        http.get(url, timeout=5)
    assert 0.9 < elapsed(started) < 3.0


def test_timeouts_are_bounded_by_the_time_left() -> None:
    assert _bounded(None, 3.0) == 3.0
    assert _bounded(10, 3.0) == 3.0
    assert _bounded((1.0, None), 3.0) == (1.0, 3.0)
    assert _bounded(1.0, -5.0) == 1.0 * 0.001


URL = "https://u:hunter2@vault.example:8200"


@pytest.mark.parametrize(
    ("exc", "kind", "message"),
    [
        (requests.ConnectionError("refused"), BackendUnavailable, "Vault is unreachable"),
        (requests.exceptions.SSLError("bad cert"), BackendError, "TLS verification of Vault"),
        (requests.ReadTimeout("slow"), BackendUnavailable, "Vault timed out: ReadTimeout"),
        (requests.exceptions.InvalidURL("port"), InputError, "VAULT_ADDR is not a valid URL"),
        (requests.exceptions.InvalidHeader("x\r"), InputError, "header value is invalid"),
        (requests.exceptions.JSONDecodeError("x", "doc", 0), BackendUnavailable, "invalid answer"),
        (requests.exceptions.ChunkedEncodingError("x"), BackendUnavailable, "unreachable"),
        (hv.VaultDown("sealed"), BackendUnavailable, r"HTTP 503 \(unavailable or sealed\)"),
        (hv.Forbidden("no"), AuthenticationError, "refused access .HTTP 403"),
        (hv.InvalidRequest("bad"), BackendUnavailable, "answered HTTP 400$"),
        (hv.UnexpectedError("x"), BackendError, "Vault failed: UnexpectedError"),
        (KeyError("data"), BackendError, "Vault failed: KeyError"),
        (ConfigError("already ours"), ConfigError, "already ours"),
    ],
)
def test_the_mapping_of_requests_and_hvac(
    exc: Exception, kind: type[Exception], message: str
) -> None:
    mapped = map_error(exc, "Vault", URL, setting="VAULT_ADDR")
    assert type(mapped) is kind
    with pytest.raises(kind, match=message):
        raise mapped
    assert "hunter2" not in str(mapped)
    if exc.__class__.__module__ != "gatekeeper.errors":
        assert str(mapped).startswith("https://u:***@vault.example:8200: ")


def test_attempts_are_counted_for_transient_failures_only() -> None:
    assert "after 3 attempts" in str(map_error(requests.ConnectTimeout(), "Vault", URL, attempts=3))
    assert "attempts" not in str(map_error(hv.Forbidden(), "Vault", URL, attempts=3))


def test_a_body_cut_short_or_stalled_becomes_a_requests_error() -> None:
    from tests.net.fakes import trickling_server as stalling

    with (
        stalling(interval=2.0) as url,
        session(
            RetryPolicy(attempts=1), what="V", setting="X", error=ConfigError, max_bytes=99
        ) as http,
        pytest.raises(requests.ReadTimeout),
    ):
        http.get(url, timeout=0.3)
    with (
        stalling(interval=0.01, total=5, length=50) as url,
        session(
            RetryPolicy(attempts=1), what="V", setting="X", error=ConfigError, max_bytes=99
        ) as http,
        pytest.raises(requests.ConnectionError),
    ):
        http.get(url, timeout=2)
