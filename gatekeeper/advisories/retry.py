"""Retries for the advisory sources: a transient network error or a 429/5xx is tried again."""

from __future__ import annotations

#: Pauses before the second and third attempts (seconds).
DELAYS = (0.25, 1.0)
#: Answers worth another try: rate limiting and server-side failures.
RETRY_STATUS = frozenset({429, 500, 502, 503, 504})
