"""Rate limits as GitHub answers them: 403 with Retry-After (secondary) or with
x-ratelimit-remaining 0 and x-ratelimit-reset (primary) are retried like 429; a plain 403 is not."""

from __future__ import annotations

import httpx
import pytest
from requests.structures import CaseInsensitiveDict

from gatekeeper.errors import AuthenticationError, BackendUnavailable
from gatekeeper.net.errors import status_error
from gatekeeper.net.retry import RetryPolicy, asked_delay, rate_limited
from tests.net.fakes import WALL, FakeTime
from tests.net.test_http import answers, get, mocked

RESET = {"x-ratelimit-remaining": "0", "x-ratelimit-reset": str(int(WALL) + 30)}


def headers(**values: str) -> CaseInsensitiveDict[str]:
    return CaseInsensitiveDict({k.replace("_", "-"): v for k, v in values.items()})


def test_rate_limited() -> None:
    assert rate_limited(429, headers())
    assert rate_limited(403, headers(Retry_After="5"))
    assert rate_limited(403, headers(**{"X-RateLimit-Remaining": " 0 "}))
    assert not rate_limited(403, headers(x_ratelimit_remaining="4999"))
    assert not rate_limited(403, headers())
    assert not rate_limited(401, headers(Retry_After="5"))


def test_asked_delay() -> None:
    assert asked_delay(headers(Retry_After="12", **RESET), WALL) == "12"
    assert asked_delay(CaseInsensitiveDict(RESET), WALL) == "30"
    assert asked_delay(CaseInsensitiveDict(RESET), WALL + 100) == "0"  # already reset
    assert asked_delay(headers(x_ratelimit_remaining="3", x_ratelimit_reset="99"), WALL) is None
    assert asked_delay(headers(x_ratelimit_remaining="0", x_ratelimit_reset="soon"), WALL) is None
    assert asked_delay(headers(), WALL) is None


def test_retryable() -> None:
    policy = RetryPolicy()
    assert policy.retryable(503, headers()) and policy.retryable(403, headers(Retry_After="1"))
    assert not policy.retryable(403, headers()) and not policy.retryable(404, headers())


def test_fetch_waits_for_the_reset_of_a_primary_rate_limit() -> None:
    fake = FakeTime()
    handler, seen = answers(httpx.Response(403, headers=RESET), httpx.Response(200, content=b"ok"))
    assert get(mocked(handler), clock=fake.clock()).content == b"ok"
    assert len(seen) == 2 and fake.sleeps == [30.0]


def test_fetch_reports_a_persistent_rate_limit_as_one() -> None:
    fake = FakeTime()
    limited = [httpx.Response(403, headers={"Retry-After": "1"}) for _ in range(3)]
    handler, seen = answers(*limited)
    with pytest.raises(BackendUnavailable, match=r"HTTP 403 \(rate limited\) after 3 attempts"):
        get(mocked(handler), clock=fake.clock(), policy=RetryPolicy(attempts=3))
    assert len(seen) == 3


def test_a_plain_403_is_still_a_refusal() -> None:
    handler, seen = answers(httpx.Response(403, headers={"x-ratelimit-remaining": "4999"}))
    with pytest.raises(AuthenticationError, match=r"refused access \(HTTP 403\)"):
        get(mocked(handler), clock=FakeTime().clock())
    assert len(seen) == 1


def test_status_error_without_headers_is_unchanged() -> None:
    assert isinstance(status_error(403, "x", "https://a.example"), AuthenticationError)
    limited = status_error(403, "x", "https://a.example", 2, headers(Retry_After="1"))
    assert isinstance(limited, BackendUnavailable) and "after 2 attempts" in limited.message
