"""The httpx side of the network layer: one client factory and one way to make a request.

:func:`client` builds the one :class:`httpx.Client` a caller keeps for a run (connections are
reused), with TLS verification always on. :func:`fetch` makes one operation through it: the URL
rule on the first URL and on every redirect hop, bounded retries (:mod:`gatekeeper.net.retry`),
connect/read timeouts plus an overall deadline, a size cap on the streamed body, and every
failure mapped by :mod:`gatekeeper.net.errors`.
"""

from __future__ import annotations

import ssl
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from gatekeeper import __version__
from gatekeeper.errors import BackendUnavailable, GatekeeperError, UsageError
from gatekeeper.net.errors import (
    DeadlineExceeded,
    ResponseTooLarge,
    is_tls_failure,
    map_error,
    status_error,
)
from gatekeeper.net.retry import Budget, Clock, RetryPolicy, asked_delay
from gatekeeper.net.urls import check_url, redact

if TYPE_CHECKING:
    import httpx

USER_AGENT = f"gatekeeper/{__version__}"
#: Redirect hops followed per request; each one is checked against the URL rule.
MAX_REDIRECTS = 10
DEFAULT_POLICY = RetryPolicy()
REAL_CLOCK = Clock()
_DROPPED = frozenset({"content-encoding", "content-length", "transfer-encoding"})


def client(
    *,
    timeout: float,
    connect: float = 10.0,
    transport: httpx.BaseTransport | None = None,
    ca_bundle: str | Path | None = None,
) -> httpx.Client:
    """A client with TLS verification on (against ``ca_bundle`` when given), our User-Agent,
    ``timeout`` seconds per read or write and ``connect`` seconds to connect. Redirects are
    followed by :func:`fetch`, never by httpx, so each hop meets the URL rule."""
    import httpx

    verify = ssl.create_default_context(cafile=str(ca_bundle)) if ca_bundle else True
    return httpx.Client(
        timeout=httpx.Timeout(timeout, connect=min(connect, timeout)),
        transport=transport,
        verify=verify,
        follow_redirects=False,
        headers={"User-Agent": USER_AGENT},
    )


def fetch(
    http: httpx.Client,
    method: str,
    url: str,
    *,
    what: str,
    max_bytes: int,
    setting: str = "the URL",
    error: type[GatekeeperError] = UsageError,
    policy: RetryPolicy = DEFAULT_POLICY,
    clock: Clock = REAL_CLOCK,
    allow: Collection[int] = (),
    sink: IO[bytes] | None = None,
    headers: dict[str, str] | None = None,
    content: bytes | str | None = None,
) -> httpx.Response:
    """``method url`` as one operation; the answer's body is read (into ``sink`` if given).

    ``what`` names the server in messages ("the OSV API"); ``setting`` and ``error`` are where
    the URL came from and the :class:`InputError` a URL breaking the rule raises, on the first
    URL or on any redirect. A status >= 400 raises unless it is in ``allow``; 429 and 5xx, and
    connection errors and timeouts, are retried within ``policy``.
    """
    import httpx

    check_url(url, setting, error)
    budget = Budget(policy, clock)
    while True:
        try:
            with _final(http, method, url, budget, setting, error, what, headers, content) as got:
                status = got.status_code
                retry = policy.retryable(status, got.headers)
                if retry and budget.again(asked_delay(got.headers, clock.wall())):
                    continue
                if status >= 400 and status not in allow:
                    made = budget.attempts + (0 if retry else 1)
                    raise status_error(status, what, url, made, got.headers)
                body = _read(got, budget, max_bytes, sink, what, url)
                kept = [(k, v) for k, v in got.headers.multi_items() if k.lower() not in _DROPPED]
                return httpx.Response(status, headers=kept, content=body, request=got.request)
        except (httpx.HTTPError, httpx.InvalidURL, UnicodeError) as exc:
            transient = isinstance(
                exc, (httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError)
            ) and not is_tls_failure(exc)
            if transient and budget.again():
                continue
            made = budget.attempts if transient else budget.attempts + 1
            raise map_error(exc, what, url, setting=setting, attempts=made) from None


@contextmanager
def _final(
    http: httpx.Client,
    method: str,
    url: str,
    budget: Budget,
    setting: str,
    error: type[GatekeeperError],
    what: str,
    headers: dict[str, str] | None,
    content: bytes | str | None,
) -> Iterator[httpx.Response]:
    """The streamed answer at the end of the redirect chain (closed on exit)."""
    import httpx

    base = http.timeout
    left = max(budget.remaining(), 0.001)
    timeout = httpx.Timeout(
        connect=_bounded(base.connect, left),
        read=_bounded(base.read, left),
        write=_bounded(base.write, left),
        pool=_bounded(base.pool, left),
    )
    request = http.build_request(method, url, headers=headers, content=content, timeout=timeout)
    for _ in range(MAX_REDIRECTS + 1):
        response = http.send(request, stream=True, follow_redirects=False)
        following = response.next_request
        if following is None:
            break
        response.close()
        try:
            check_url(str(following.url), setting, error)
        except error as exc:
            raise error(
                f"{exc.message} (a redirect from {redact(str(request.url))})", hint=exc.hint
            ) from None
        request = following
    else:
        raise BackendUnavailable(
            f"{what} redirected more than {MAX_REDIRECTS} times", path=redact(url)
        )
    try:
        yield response
    finally:
        response.close()


def _bounded(value: float | None, left: float) -> float:
    return left if value is None else min(value, left)


def _read(
    response: httpx.Response,
    budget: Budget,
    max_bytes: int,
    sink: IO[bytes] | None,
    what: str,
    url: str,
) -> bytes:
    """The body, chunk by chunk, stopping at the deadline or past ``max_bytes``."""
    chunks: list[bytes] = []
    size = 0
    if sink is not None:
        sink.seek(0)
        sink.truncate()
    for chunk in response.iter_bytes():
        size += len(chunk)
        if size > max_bytes:
            raise ResponseTooLarge(f"{what} sent more than {max_bytes} bytes", path=redact(url))
        if budget.expired():
            raise DeadlineExceeded(
                f"{what} did not finish within the {budget.policy.deadline:g} s deadline "
                "(a slow or stalled server)",
                path=redact(url),
            )
        if sink is None:
            chunks.append(chunk)
        else:
            sink.write(chunk)
    return b"".join(chunks)


def json_body(response: httpx.Response, what: str) -> Any:
    """The answer as JSON; invalid or absurdly nested JSON is the server's fault (exit 3)."""
    from gatekeeper.json_input import load_json

    where = redact(str(response.url))
    try:
        return load_json(response.content, source=where, error=BackendUnavailable)
    except BackendUnavailable as exc:
        raise BackendUnavailable(f"{what} sent invalid JSON ({exc.message})", path=where) from None
