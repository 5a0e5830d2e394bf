"""fetch(): retries, Retry-After, redirects under the URL rule, deadlines, size cap, mapping."""

from __future__ import annotations

import email.utils
import io
import time
from collections.abc import Callable, Iterator

import httpx
import pytest

from gatekeeper.errors import (
    AuthenticationError,
    BackendError,
    BackendUnavailable,
    ConfigError,
    InputError,
    UsageError,
)
from gatekeeper.net import http
from gatekeeper.net.errors import DeadlineExceeded, ResponseTooLarge
from gatekeeper.net.retry import Budget, RetryPolicy, parse_retry_after
from tests.net.fakes import WALL, FakeTime, elapsed, trickling_server

Handler = Callable[[httpx.Request], httpx.Response]


def mocked(handler: Handler) -> httpx.Client:
    return http.client(timeout=5.0, transport=httpx.MockTransport(handler))


def answers(*items: int | httpx.Response | Exception) -> tuple[Handler, list[str]]:
    """A handler giving ``items`` in turn (status codes, responses or exceptions to raise)."""
    queue = list(items)
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(f"{request.method} {request.url}")
        item = queue.pop(0)
        if isinstance(item, Exception):
            raise item
        return httpx.Response(item) if isinstance(item, int) else item

    return handler, seen


def get(client: httpx.Client, url: str = "https://a.example/x", **kw: object) -> httpx.Response:
    kw.setdefault("max_bytes", 1000)
    return http.fetch(client, "GET", url, what="the mirror", **kw)  # type: ignore[arg-type]


def test_the_client_verifies_tls_and_says_who_it_is(tmp_path: object) -> None:
    client = http.client(timeout=3.0)
    assert client.headers["User-Agent"].startswith("gatekeeper/")
    assert client.timeout.connect == 3.0 and client.timeout.read == 3.0
    assert not client.follow_redirects
    client.close()
    import certifi

    http.client(timeout=20.0, ca_bundle=certifi.where()).close()


def test_retry_after_is_honoured_and_attempts_are_bounded() -> None:
    fake = FakeTime()
    date = email.utils.formatdate(WALL + 7, usegmt=True)
    handler, seen = answers(
        httpx.Response(429, headers={"Retry-After": "3"}),
        httpx.Response(503, headers={"Retry-After": date}),
        httpx.Response(200, content=b"ok"),
    )
    reply = get(mocked(handler), clock=fake.clock(), policy=RetryPolicy(attempts=3))
    assert reply.content == b"ok" and len(seen) == 3
    assert fake.sleeps == [3.0, 4.0]  # the date was 7 s away when asked, 4 s after the first pause


def test_retries_give_up_after_the_attempts() -> None:
    fake = FakeTime(jitter=0.5)
    handler, seen = answers(502, 500, 504)
    with pytest.raises(BackendUnavailable, match=r"answered HTTP 504 \(gateway timeout\) after 3"):
        get(mocked(handler), clock=fake.clock(), policy=RetryPolicy(attempts=3, base=1.0))
    assert len(seen) == 3 and fake.sleeps == [0.5, 1.0]  # full jitter of 1 s, 2 s


def test_connection_errors_and_timeouts_are_retried() -> None:
    fake = FakeTime()
    request = httpx.Request("GET", "https://a.example/x")
    handler, seen = answers(
        httpx.ConnectError("refused", request=request),
        httpx.ReadTimeout("slow", request=request),
        200,
    )
    assert get(mocked(handler), clock=fake.clock()).status_code == 200
    assert len(seen) == 3 and len(fake.sleeps) == 2


@pytest.mark.parametrize("status", [400, 404, 409, 422])
def test_other_4xx_are_never_retried(status: int) -> None:
    handler, seen = answers(status)
    with pytest.raises(BackendUnavailable, match=f"the mirror answered HTTP {status}$"):
        get(mocked(handler), clock=FakeTime().clock())
    assert len(seen) == 1


@pytest.mark.parametrize("status", [401, 403])
def test_refused_access_is_an_authentication_error(status: int) -> None:
    handler, _ = answers(status)
    with pytest.raises(AuthenticationError, match=f"refused access .HTTP {status}"):
        get(mocked(handler))


def test_allowed_statuses_are_returned() -> None:
    handler, _ = answers(404)
    assert get(mocked(handler), allow=(404,)).status_code == 404


def test_a_retry_after_past_the_deadline_is_not_waited_for() -> None:
    fake = FakeTime()
    handler, seen = answers(httpx.Response(503, headers={"Retry-After": "600"}))
    with pytest.raises(BackendUnavailable, match="HTTP 503"):
        get(mocked(handler), clock=fake.clock(), policy=RetryPolicy(deadline=30.0))
    assert len(seen) == 1 and fake.sleeps == []


def test_retry_after_parsing() -> None:
    assert parse_retry_after(" 12 ", WALL) == 12.0
    assert parse_retry_after("9" * 5000, WALL) == 999_999_999.0
    assert parse_retry_after(email.utils.formatdate(WALL - 5, usegmt=True), WALL) == 0.0
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00", WALL) is None  # no zone
    assert parse_retry_after("soon", WALL) is None
    policy = RetryPolicy(retry_after_max=10.0)
    assert policy.pause(0, "120", FakeTime().clock()) == 10.0
    assert policy.pause(0, "soon", FakeTime(jitter=1.0).clock()) == 0.25


def test_backoff_is_bounded_exponential_with_jitter() -> None:
    policy = RetryPolicy(attempts=6, base=0.5, cap=3.0)
    clock = FakeTime(jitter=1.0).clock()
    assert [policy.pause(n, None, clock) for n in range(5)] == [0.5, 1.0, 2.0, 3.0, 3.0]
    assert policy.pause(3, None, FakeTime(jitter=0.25).clock()) == 0.75


def test_the_budget() -> None:
    fake = FakeTime()
    budget = Budget(RetryPolicy(attempts=2, deadline=10.0), fake.clock())
    assert budget.remaining() == 10.0 and not budget.expired()
    assert budget.again() and not budget.again()
    fake.now = 11.0
    assert budget.expired()


def test_a_redirect_to_plain_http_is_refused_like_a_direct_url() -> None:
    handler, seen = answers(httpx.Response(302, headers={"Location": "http://evil.example/x"}))
    with pytest.raises(UsageError, match="--from: refusing plain HTTP to evil.example") as info:
        get(mocked(handler), setting="--from")
    assert "a redirect from https://a.example/x" in str(info.value)
    assert seen == ["GET https://a.example/x"]  # never asked evil.example
    with pytest.raises(UsageError, match="refusing plain HTTP to evil.example"):
        get(mocked(handler), url="http://evil.example/x", setting="--from")


def test_a_redirect_keeps_the_callers_error_kind() -> None:
    handler, _ = answers(httpx.Response(307, headers={"Location": "http://10.1.1.1/v1"}))
    with pytest.raises(ConfigError, match="VAULT_ADDR: refusing plain HTTP to 10.1.1.1"):
        get(mocked(handler), setting="VAULT_ADDR", error=ConfigError)


def test_redirects_to_tls_and_to_loopback_are_followed() -> None:
    handler, seen = answers(
        httpx.Response(301, headers={"Location": "https://b.example/y"}),
        httpx.Response(302, headers={"Location": "http://127.0.0.1:8080/z"}),
        httpx.Response(200, content=b"here"),
    )
    assert get(mocked(handler)).content == b"here"
    assert seen == [
        "GET https://a.example/x",
        "GET https://b.example/y",
        "GET http://127.0.0.1:8080/z",
    ]


def test_a_redirect_loop_is_bounded() -> None:
    seen: list[str] = []

    def loop(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        return httpx.Response(302, headers={"Location": "https://a.example/x"})

    with pytest.raises(BackendUnavailable, match="redirected more than 10 times"):
        get(mocked(loop))
    assert len(seen) == http.MAX_REDIRECTS + 1


def test_the_size_cap() -> None:
    handler, _ = answers(httpx.Response(200, content=b"x" * 1001))
    with pytest.raises(ResponseTooLarge, match="the mirror sent more than 1000 bytes") as info:
        get(mocked(handler))
    assert info.value.exit_code == 3


def test_a_sink_receives_the_body_of_the_last_attempt() -> None:
    request = httpx.Request("GET", "https://a.example/x")
    handler, _ = answers(
        httpx.Response(200, stream=_Breaking(request)),
        httpx.Response(200, content=b"complete"),
    )
    out = io.BytesIO()
    reply = get(mocked(handler), sink=out, clock=FakeTime().clock())
    assert out.getvalue() == b"complete" and reply.content == b""


class _Breaking(httpx.SyncByteStream):
    """A body that breaks off after its first chunk."""

    def __init__(self, request: httpx.Request) -> None:
        self.request = request

    def __iter__(self) -> Iterator[bytes]:
        yield b"partial"
        raise httpx.ReadError("reset", request=self.request)


def test_a_trickling_server_is_cut_at_the_deadline() -> None:
    started = time.monotonic()
    with trickling_server(interval=0.2) as url, http.client(timeout=5.0) as client:
        with pytest.raises(DeadlineExceeded, match="did not finish within the 1 s deadline") as e:
            get(client, url=url, policy=RetryPolicy(attempts=1, deadline=1.0))
    assert 0.9 < elapsed(started) < 3.0
    assert e.value.exit_code == 3


def test_no_attempt_starts_after_the_deadline() -> None:
    fake = FakeTime()

    def slow(request: httpx.Request) -> httpx.Response:
        fake.now += 20.0
        return httpx.Response(503)

    with pytest.raises(BackendUnavailable, match="HTTP 503 .* after 2 attempts"):
        get(mocked(slow), clock=fake.clock(), policy=RetryPolicy(deadline=30.0, base=0.0))


def test_gzip_bodies_are_decoded_once() -> None:
    import gzip

    body = gzip.compress(b'{"a": 1}')
    handler, _ = answers(httpx.Response(200, content=body, headers={"Content-Encoding": "gzip"}))
    reply = get(mocked(handler))
    assert http.json_body(reply, "the mirror") == {"a": 1}


@pytest.mark.parametrize("content", [b"<html>", b"[" * 100_000])
def test_invalid_json_is_the_servers_fault(content: bytes) -> None:
    handler, _ = answers(httpx.Response(200, content=content))
    with pytest.raises(BackendUnavailable, match="the mirror sent invalid JSON"):
        http.json_body(get(mocked(handler), max_bytes=10**6), "the mirror")


REQUEST = httpx.Request("GET", "https://a.example/x")


@pytest.mark.parametrize(
    ("exc", "kind", "message"),
    [
        (httpx.ConnectError("refused", request=REQUEST), BackendUnavailable, "is unreachable"),
        (
            httpx.ConnectError("[SSL: CERTIFICATE_VERIFY_FAILED] x", request=REQUEST),
            BackendError,
            "TLS verification of the mirror failed",
        ),
        (httpx.ConnectTimeout("slow", request=REQUEST), BackendUnavailable, "timed out"),
        (httpx.RemoteProtocolError("bad", request=REQUEST), BackendUnavailable, "protocol"),
        (httpx.LocalProtocolError("bad", request=REQUEST), InputError, "header value is invalid"),
        (httpx.UnsupportedProtocol("x", request=REQUEST), InputError, "not a valid URL"),
        (httpx.InvalidURL("Invalid port"), InputError, "not a valid URL"),
        (httpx.DecodingError("x", request=REQUEST), BackendUnavailable, "invalid answer"),
        (UnicodeEncodeError("ascii", "é", 0, 1, "x"), InputError, "not Latin-1"),
    ],
)
def test_the_error_mapping(exc: Exception, kind: type[Exception], message: str) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise exc

    with pytest.raises(kind, match=message) as info:
        get(mocked(handler), clock=FakeTime().clock())
    assert type(info.value) is kind
    assert "https://a.example/x" in str(info.value)


def test_a_token_that_is_not_latin1_is_an_input_error() -> None:
    handler, seen = answers(200)
    with pytest.raises(InputError, match="not Latin-1"):
        http.fetch(
            mocked(handler),
            "GET",
            "https://a.example/x",
            what="the mirror",
            max_bytes=10,
            headers={"Authorization": "Bearer tøkén-✓"},
        )
    assert seen == []


def test_a_port_out_of_range_is_an_input_error_naming_the_setting() -> None:
    with pytest.raises(UsageError, match="--index-url is not a valid URL"):
        get(mocked(answers(200)[0]), url="https://a.example:99999/", setting="--index-url")
