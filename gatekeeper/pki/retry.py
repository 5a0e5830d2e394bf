"""Bounded exponential backoff with full jitter, for calls to a backend that may be down."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class RetryPolicy:
    """``attempts`` tries in total; delay before try n+1 is uniform in [0, min(cap, base*2**n)]."""

    attempts: int = 5
    base: float = 0.2
    cap: float = 5.0

    def delay(self, attempt: int, rand: Callable[[], float] = random.random) -> float:
        """The sleep after failed attempt number ``attempt`` (0-based)."""
        return float(rand()) * min(self.cap, self.base * (2.0**attempt))


def call_with_retry(
    fn: Callable[[], T],
    policy: RetryPolicy,
    retry_on: tuple[type[BaseException], ...],
    sleep: Callable[[float], None] = time.sleep,
) -> T:
    """Call ``fn``; on an exception in ``retry_on``, back off and retry, at most ``attempts``
    times in total. The last exception propagates."""
    attempt = 0
    while True:
        try:
            return fn()
        except retry_on:
            attempt += 1
            if attempt >= policy.attempts:
                raise
            sleep(policy.delay(attempt - 1))
