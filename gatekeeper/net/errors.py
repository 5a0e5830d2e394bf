"""The one mapping of network failures onto :mod:`gatekeeper.errors`.

httpx, requests and hvac exceptions and HTTP status codes become a :class:`BackendUnavailable`
or :class:`AuthenticationError` (exit 3), or an :class:`InputError` (exit 2) when what the user
gave cannot be sent at all. Messages name what failed and the (redacted) URL, never a value
that could be a credential: no exception text from a library is ever included.
"""

from __future__ import annotations

from collections.abc import Mapping

from gatekeeper.errors import (
    AuthenticationError,
    BackendError,
    BackendUnavailable,
    GatekeeperError,
    InputError,
)
from gatekeeper.net.retry import rate_limited
from gatekeeper.net.urls import redact

_REASONS = {
    429: "rate limited",
    500: "internal error",
    502: "bad gateway",
    503: "unavailable or sealed",
    504: "gateway timeout",
}
#: hvac raises one class per status (and keeps no status code).
_HVAC_STATUS = {
    "InvalidRequest": 400,
    "Unauthorized": 401,
    "Forbidden": 403,
    "InvalidPath": 404,
    "UnsupportedOperation": 405,
    "PreconditionFailed": 412,
    "RateLimitExceeded": 429,
    "InternalServerError": 500,
    "VaultNotInitialized": 501,
    "BadGateway": 502,
    "VaultDown": 503,
}


class ResponseTooLarge(BackendUnavailable):
    """The body passed the caller's ``max_bytes``."""


class DeadlineExceeded(BackendUnavailable):
    """The operation's overall deadline passed (a slow or trickling server)."""


def is_tls_failure(exc: BaseException) -> bool:
    """True when ``exc`` is a failed TLS handshake or certificate check: never retried."""
    text = str(exc).lower()
    return (
        "ssl" in exc.__class__.__name__.lower()
        or "certificate_verify_failed" in text
        or ("[ssl" in text)
    )


def _after(attempts: int) -> str:
    return f" after {attempts} attempts" if attempts > 1 else ""


def status_error(
    status: int,
    what: str,
    url: str,
    attempts: int = 1,
    headers: Mapping[str, str] | None = None,
) -> BackendError:
    """The error for an HTTP answer ``status`` >= 400 that the caller does not handle; a 403
    whose ``headers`` say it is a rate limit is reported as one, not as a refusal."""
    if headers is not None and status == 403 and rate_limited(status, headers):
        return BackendUnavailable(
            f"{what} answered HTTP 403 (rate limited){_after(attempts)}",
            path=redact(url),
            hint="wait for the rate limit to reset",
        )
    if status in (401, 403):
        return AuthenticationError(
            f"{what} refused access (HTTP {status})",
            path=redact(url),
            hint="check the credentials and their permissions",
        )
    reason = f" ({_REASONS[status]})" if status in _REASONS else ""
    return BackendUnavailable(
        f"{what} answered HTTP {status}{reason}{_after(attempts)}", path=redact(url)
    )


def map_error(
    exc: BaseException, what: str, url: str, *, setting: str = "the URL", attempts: int = 1
) -> GatekeeperError:
    """The :mod:`gatekeeper.errors` exception for ``exc`` raised while talking to ``what``.

    ``setting`` names where the URL came from, for the errors that are the user's to fix.
    Anything that is not a network error is returned as a generic :class:`BackendError`
    naming only its class.
    """
    if isinstance(exc, GatekeeperError):
        return exc
    where = redact(url)
    kind = exc.__class__.__name__
    module = exc.__class__.__module__.partition(".")[0]
    if module == "hvac" and kind in _HVAC_STATUS:
        return status_error(_HVAC_STATUS[kind], what, url, attempts)
    if module in ("httpx", "requests", "urllib3"):
        return _transport(exc, kind, what, where, setting, attempts)
    if isinstance(exc, UnicodeError):
        return InputError(
            f"cannot send a request to {what}: a header or URL value is not Latin-1 text",
            path=where,
            hint=f"check {setting} and the credentials for stray characters",
        )
    return BackendError(f"{what} failed: {kind}", path=where)


def _transport(
    exc: BaseException, kind: str, what: str, where: str, setting: str, attempts: int
) -> GatekeeperError:
    lowered = kind.lower()
    if is_tls_failure(exc):
        return BackendError(
            f"TLS verification of {what} failed ({kind})",
            path=where,
            hint="give the CA bundle that signed the server's certificate",
        )
    if any(name in lowered for name in ("invalidurl", "schema", "unsupportedprotocol")):
        return InputError(f"{setting} is not a valid URL ({kind})", path=where)
    if "invalidheader" in lowered or "localprotocol" in lowered:
        return InputError(
            f"cannot send a request to {what}: a header value is invalid ({kind})",
            path=where,
            hint=f"check {setting} and the credentials for stray characters",
        )
    if "json" in lowered or "decoding" in lowered:
        return BackendUnavailable(f"{what} sent an invalid answer ({kind})", path=where)
    if "timeout" in lowered:
        return BackendUnavailable(f"{what} timed out: {kind}{_after(attempts)}", path=where)
    if "protocol" in lowered or "toomanyredirects" in lowered:
        return BackendUnavailable(f"{what} broke the HTTP protocol: {kind}", path=where)
    return BackendUnavailable(f"{what} is unreachable: {kind}{_after(attempts)}", path=where)
