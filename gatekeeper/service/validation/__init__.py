"""Check every external input of a Starlette/FastAPI service.

``install(app, ValidationLimits(...))`` adds, outermost first: security headers, the streaming
body cap and deadline, query-string caps, and JSON structure limits. Request-body models derive
from :class:`InputModel` (mass-assignment guard, dunder keys refused).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from starlette.applications import Starlette

from gatekeeper.service.validation.body import BodyLimitMiddleware
from gatekeeper.service.validation.headers import DEFAULT_HEADERS, SecurityHeadersMiddleware
from gatekeeper.service.validation.jsonlimits import JSONLimits, JSONLimitsMiddleware, check_json
from gatekeeper.service.validation.models import SERVER_FIELDS, InputModel, StrictInputModel
from gatekeeper.service.validation.query import (
    SCOPE_KEY,
    QueryError,
    QueryLimits,
    QueryLimitsMiddleware,
    parse_query,
)


@dataclass(frozen=True)
class ValidationLimits:
    max_body_bytes: int = 1 << 20
    body_timeout_s: float = 10.0
    json: JSONLimits = field(default_factory=JSONLimits)
    query: QueryLimits = field(default_factory=QueryLimits)
    headers: Mapping[str, str | None] = field(default_factory=dict)


def install(app: Starlette, limits: ValidationLimits | None = None) -> None:
    """Add every validation middleware to ``app`` (the last added runs first)."""
    limits = limits or ValidationLimits()
    app.add_middleware(JSONLimitsMiddleware, limits=limits.json)
    app.add_middleware(QueryLimitsMiddleware, limits=limits.query)
    app.add_middleware(
        BodyLimitMiddleware, max_bytes=limits.max_body_bytes, timeout_s=limits.body_timeout_s
    )
    app.add_middleware(SecurityHeadersMiddleware, overrides=limits.headers)


__all__ = [
    "DEFAULT_HEADERS",
    "SCOPE_KEY",
    "SERVER_FIELDS",
    "BodyLimitMiddleware",
    "InputModel",
    "JSONLimits",
    "JSONLimitsMiddleware",
    "QueryError",
    "QueryLimits",
    "QueryLimitsMiddleware",
    "SecurityHeadersMiddleware",
    "StrictInputModel",
    "ValidationLimits",
    "check_json",
    "install",
    "parse_query",
]
