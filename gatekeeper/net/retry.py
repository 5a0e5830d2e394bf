"""The one retry policy: bounded attempts, jittered exponential backoff, ``Retry-After``, and an
overall deadline per operation. Both the httpx clients and the requests session that hvac and
github3.py use (see :mod:`gatekeeper.net.session`) run their attempts through a :class:`Budget`.

Rate limits are retried like 429 whatever their status: GitHub answers 403 with ``Retry-After``
(its secondary rate limit) or with ``x-ratelimit-remaining: 0`` and ``x-ratelimit-reset`` (the
epoch second its primary limit resets), see :func:`rate_limited` and :func:`asked_delay`. A 403
without them is a refusal, never retried.
"""

from __future__ import annotations

import email.utils
import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

#: Answers worth another try: rate limiting and server-side failures. Never another 4xx.
RETRY_STATUS = frozenset({429, 500, 502, 503, 504})


@dataclass(frozen=True)
class Clock:
    """Time as the retry loop sees it; tests inject fakes."""

    sleep: Callable[[float], None] = time.sleep
    monotonic: Callable[[], float] = time.monotonic
    wall: Callable[[], float] = time.time
    random: Callable[[], float] = random.random


@dataclass(frozen=True)
class RetryPolicy:
    """``attempts`` tries in total within ``deadline`` seconds for the whole operation.

    The pause after failed attempt n (0-based) is uniform in [0, min(cap, base * 2**n)] (full
    jitter), unless the server sent ``Retry-After``: then that, at most ``retry_after_max``.
    A pause that would end past the deadline is not taken: the last error stands.
    """

    attempts: int = 3
    base: float = 0.25
    cap: float = 5.0
    deadline: float = 300.0
    retry_after_max: float = 60.0
    statuses: frozenset[int] = field(default=RETRY_STATUS)

    def pause(self, attempt: int, retry_after: str | None, clock: Clock) -> float:
        asked = parse_retry_after(retry_after, clock.wall()) if retry_after else None
        if asked is not None:
            return min(asked, self.retry_after_max)
        return clock.random() * min(self.cap, self.base * (2.0**attempt))

    def retryable(self, status: int, headers: Mapping[str, str]) -> bool:
        """True when an answer ``status`` with ``headers`` is worth another attempt."""
        return status in self.statuses or rate_limited(status, headers)


def rate_limited(status: int, headers: Mapping[str, str]) -> bool:
    """True for 429, and for a 403 that carries ``Retry-After`` or ``x-ratelimit-remaining: 0``
    (GitHub's secondary and primary rate limits). ``headers`` must be case-insensitive."""
    if status == 429:
        return True
    return status == 403 and (
        "retry-after" in headers or headers.get("x-ratelimit-remaining", "").strip() == "0"
    )


def asked_delay(headers: Mapping[str, str], now: float) -> str | None:
    """The wait the server asked for, as a ``Retry-After`` value: ``Retry-After`` itself, else
    the seconds until ``x-ratelimit-reset`` when no requests remain; None when it asked none."""
    if "retry-after" in headers:
        return headers["retry-after"]
    reset = headers.get("x-ratelimit-reset", "").strip()
    if headers.get("x-ratelimit-remaining", "").strip() != "0" or not reset.isdigit():
        return None
    return str(max(0, int(reset[:12]) - int(now)))


def parse_retry_after(value: str, now: float) -> float | None:
    """Seconds to wait from a ``Retry-After`` value (delay-seconds or an HTTP-date); None when
    it is neither."""
    value = value.strip()
    if value.isdigit():
        return float(value[:9])  # no 4,300-digit integers
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        return None
    return max(0.0, when.timestamp() - now)


class Budget:
    """The attempts and the time left for one operation."""

    def __init__(self, policy: RetryPolicy, clock: Clock) -> None:
        self.policy = policy
        self.clock = clock
        self.attempts = 0
        self._end = clock.monotonic() + policy.deadline

    def remaining(self) -> float:
        return self._end - self.clock.monotonic()

    def expired(self) -> bool:
        return self.remaining() <= 0

    def again(self, retry_after: str | None = None) -> bool:
        """Count a failed attempt; pause and return True when another one is allowed."""
        self.attempts += 1
        if self.attempts >= self.policy.attempts:
            return False
        delay = self.policy.pause(self.attempts - 1, retry_after, self.clock)
        if delay >= self.remaining():  # includes a deadline already past
            return False
        self.clock.sleep(delay)
        return True
