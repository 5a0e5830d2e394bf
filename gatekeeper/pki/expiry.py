"""How close a certificate is to expiry: the one decision the certs gate and ``certs status``
both use (standard library only)."""

from __future__ import annotations

import datetime as dt
import enum


class ExpiryState(enum.StrEnum):
    OK = "ok"
    #: fewer than ``warn_days`` left
    WARN = "warn"
    #: fewer than ``fail_days`` left
    FAIL = "fail"
    #: no time left
    EXPIRED = "expired"


def days_left(not_after: dt.datetime, now: dt.datetime) -> float:
    return (not_after - now).total_seconds() / 86400


def expiry_state(
    not_after: dt.datetime, now: dt.datetime, warn_days: float, fail_days: float
) -> ExpiryState:
    """``EXPIRED`` at or after ``not_after``; ``FAIL`` with fewer than ``fail_days`` left;
    ``WARN`` with fewer than ``warn_days``; else ``OK``."""
    left = days_left(not_after, now)
    if left <= 0:
        return ExpiryState.EXPIRED
    if left < fail_days:
        return ExpiryState.FAIL
    if left < warn_days:
        return ExpiryState.WARN
    return ExpiryState.OK
