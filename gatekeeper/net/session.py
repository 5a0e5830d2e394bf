"""The requests side of the network layer, for hvac (``hvac.Client(session=...)``) and github3.py
(:func:`mount` on its own session).

:func:`session` returns a :class:`requests.Session` whose adapter applies the same rules as
:func:`gatekeeper.net.http.fetch`: the URL rule on every request, redirect hops included; the
same :class:`~gatekeeper.net.retry.RetryPolicy` and :class:`~gatekeeper.net.retry.Budget`;
a deadline and a size cap on the body. Failures still surface as requests or hvac exceptions,
which the caller turns into ours with :func:`gatekeeper.net.errors.map_error`.
"""

from __future__ import annotations

from typing import Any

import requests
import urllib3
from requests.adapters import HTTPAdapter

from gatekeeper.errors import GatekeeperError
from gatekeeper.net.errors import DeadlineExceeded, ResponseTooLarge, is_tls_failure
from gatekeeper.net.http import MAX_REDIRECTS, REAL_CLOCK, USER_AGENT
from gatekeeper.net.retry import Budget, Clock, RetryPolicy, asked_delay
from gatekeeper.net.urls import check_url, redact

_CHUNK = 1 << 16


class PolicyAdapter(HTTPAdapter):
    """An :class:`HTTPAdapter` that retries, bounds and checks every request it sends."""

    def __init__(
        self,
        policy: RetryPolicy,
        clock: Clock,
        *,
        what: str,
        setting: str,
        error: type[GatekeeperError],
        max_bytes: int,
    ) -> None:
        super().__init__()
        self.policy = policy
        self.clock = clock
        self.what = what
        self.setting = setting
        self.error = error
        self.max_bytes = max_bytes

    def send(  # type: ignore[override]  # the same parameters, typed loosely by requests
        self,
        request: requests.PreparedRequest,
        stream: bool = False,
        timeout: Any = None,
        **kwargs: Any,
    ) -> requests.Response:
        url = str(request.url)
        check_url(url, self.setting, self.error)
        budget = Budget(self.policy, self.clock)
        while True:
            try:
                response = super().send(
                    request, stream=True, timeout=_bounded(timeout, budget.remaining()), **kwargs
                )
            except (requests.ConnectionError, requests.Timeout) as exc:
                if not is_tls_failure(exc) and budget.again():
                    continue
                raise
            status = response.status_code
            retry = self.policy.retryable(status, response.headers)
            if retry and budget.again(asked_delay(response.headers, self.clock.wall())):
                response.close()
                continue
            if not stream:
                self._read(response, budget, url)
            return response

    def _read(self, response: requests.Response, budget: Budget, url: str) -> None:
        """Read the body as it arrives (``read1``: never waiting for a full chunk), stopping
        at the deadline or past ``max_bytes``; what Session.send would have read itself."""
        chunks: list[bytes] = []
        size = 0
        try:
            while chunk := response.raw.read1(_CHUNK, decode_content=True):
                size += len(chunk)
                if size > self.max_bytes:
                    raise ResponseTooLarge(
                        f"{self.what} sent more than {self.max_bytes} bytes", path=redact(url)
                    )
                if budget.expired():
                    raise DeadlineExceeded(
                        f"{self.what} did not finish within the {self.policy.deadline:g} s "
                        "deadline (a slow or stalled server)",
                        path=redact(url),
                    )
                chunks.append(chunk)
        except urllib3.exceptions.ReadTimeoutError as exc:
            raise requests.ReadTimeout(exc) from None
        except urllib3.exceptions.HTTPError as exc:
            raise requests.ConnectionError(exc) from None
        finally:
            response.close()
        response._content = b"".join(chunks)


def _bounded(timeout: Any, left: float) -> Any:
    left = max(left, 0.001)
    if timeout is None:
        return left
    if isinstance(timeout, tuple):
        return tuple(left if t is None else min(t, left) for t in timeout)
    return min(float(timeout), left)


def session(
    policy: RetryPolicy,
    *,
    what: str,
    setting: str,
    error: type[GatekeeperError],
    max_bytes: int,
    ca_bundle: str | None = None,
    clock: Clock = REAL_CLOCK,
) -> requests.Session:
    """A session for hvac applying ``policy``; ``setting`` names where the URL came from.

    TLS verification is always on, against ``ca_bundle`` when given. (hvac takes the session's
    ``verify`` over its own argument, so the bundle must be set here.)
    """
    http = mount(
        requests.Session(),
        policy,
        what=what,
        setting=setting,
        error=error,
        max_bytes=max_bytes,
        clock=clock,
    )
    http.headers["User-Agent"] = USER_AGENT
    http.verify = ca_bundle or True
    return http


def mount(
    http: requests.Session,
    policy: RetryPolicy,
    *,
    what: str,
    setting: str,
    error: type[GatekeeperError],
    max_bytes: int,
    clock: Clock = REAL_CLOCK,
) -> requests.Session:
    """Mount a :class:`PolicyAdapter` applying ``policy`` on ``http`` (a session another
    library built, such as github3.py's) for both schemes, and bound its redirects."""
    adapter = PolicyAdapter(
        policy, clock, what=what, setting=setting, error=error, max_bytes=max_bytes
    )
    http.mount("https://", adapter)
    http.mount("http://", adapter)
    http.max_redirects = MAX_REDIRECTS
    return http
