"""Strict query-string parsing with caps, and a middleware that enforces them on every request.

``parse_query`` understands bracket keys (``a[b]=1``, ``a[0]=1``, ``a[]=1``) the way web clients
send them, with hard caps so that no input can make it allocate more than the query string itself:

* at most ``max_params`` parameters (counted before splitting) and ``max_bytes`` bytes;
* at most ``max_depth`` bracket levels per key;
* array indices at most ``max_index``: ``a[0][999999999]=1`` is refused by looking at the number
  of digits, without converting or allocating anything. Gaps are compacted in index order
  (``a[1]=x&a[7]=y`` gives ``["x", "y"]``), so an index never sizes a list;
* repeated keys follow the declared ``repeated`` policy: ``reject``, ``first``, ``last`` or
  ``list`` (collect the values in a list);
* malformed keys, invalid percent-encoding or UTF-8, and a key used both as a value and as a
  container are refused.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import unquote_plus

from starlette.types import ASGIApp, Receive, Scope, Send

from gatekeeper.service.validation.responses import reject

SCOPE_KEY = "gatekeeper.query"
Repeated = Literal["reject", "first", "last", "list"]
_KEY = re.compile(r"^([^\[\]]+)((?:\[[^\[\]]*\])*)$")
_PART = re.compile(r"\[([^\[\]]*)\]")


@dataclass(frozen=True)
class QueryLimits:
    max_bytes: int = 4096
    max_params: int = 100
    max_depth: int = 5
    max_index: int = 100
    repeated: Repeated = "last"


class QueryError(ValueError):
    def __init__(self, kind: str, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.status = status


class _Indexed(dict[int, Any]):
    """An array under construction: index → value, turned into a list at the end."""


def precheck(raw: bytes | str, limits: QueryLimits) -> None:
    """The O(1)-memory caps: size and parameter count, before anything is split or decoded."""
    count = raw.count(b"&") if isinstance(raw, bytes) else raw.count("&")
    if count + 1 > limits.max_params:
        raise QueryError("query_too_many_params", f"more than {limits.max_params} query parameters")
    if len(raw) > limits.max_bytes:
        raise QueryError(
            "query_too_long", f"query string longer than {limits.max_bytes} bytes", 414
        )


def _decode(text: str) -> str:
    try:
        return unquote_plus(text, errors="strict")
    except UnicodeDecodeError:
        raise QueryError("query_encoding", "query string is not valid UTF-8") from None


def _index(part: str, limits: QueryLimits) -> int | None:
    """The array index a bracket part names, None for a map key; refuses big ones by length."""
    if not part.isdecimal() or not part.isascii():
        return None
    if len(part) > len(str(limits.max_index)) or int(part) > limits.max_index:
        raise QueryError("query_index_too_large", f"array index larger than {limits.max_index}")
    return int(part)


def _assign(node: dict[Any, Any], key: Any, value: Any, limits: QueryLimits, name: str) -> None:
    if key not in node:
        node[key] = value
        return
    current = node[key]
    if isinstance(current, dict) or isinstance(value, dict):
        raise QueryError("query_conflict", f"query key {name!r} is both a value and a container")
    if limits.repeated == "reject":
        raise QueryError("query_repeated", f"query key {name!r} is repeated")
    if limits.repeated == "last":
        node[key] = value
    elif limits.repeated == "list":
        node[key] = [*current, value] if isinstance(current, list) else [current, value]


def _finish(root: dict[Any, Any]) -> dict[Any, Any]:
    """Turn every :class:`_Indexed` into a list, in index order (iterative: no recursion)."""
    stack: list[dict[Any, Any] | list[Any]] = [root]
    while stack:
        container = stack.pop()
        keys = range(len(container)) if isinstance(container, list) else list(container)
        for key in keys:
            value = container[key]
            if isinstance(value, _Indexed):
                value = container[key] = [value[i] for i in sorted(value)]
            if isinstance(value, dict | list):
                stack.append(value)
    return root


def parse_query(raw: bytes | str, limits: QueryLimits = QueryLimits()) -> dict[str, Any]:  # noqa: B008 - frozen
    """Parse ``raw`` into nested dicts and lists, or raise :class:`QueryError`."""
    precheck(raw, limits)
    text = raw.decode("latin-1") if isinstance(raw, bytes) else raw
    root: dict[Any, Any] = {}
    for pair in text.split("&"):
        if not pair:
            continue
        raw_key, _, raw_value = pair.partition("=")
        key, value = _decode(raw_key), _decode(raw_value)
        found = _KEY.match(key)
        if found is None:
            raise QueryError("query_malformed_key", "malformed query key (unbalanced brackets)")
        parts = _PART.findall(found.group(2))
        if len(parts) > limits.max_depth:
            raise QueryError("query_too_deep", f"query key nested deeper than {limits.max_depth}")
        node: dict[Any, Any] = root
        path: list[Any] = [found.group(1)]
        for part in parts:
            index = _index(part, limits) if part else None
            container: dict[Any, Any] = _Indexed() if part == "" or index is not None else {}
            current = node.get(path[-1])
            if current is None:
                node[path[-1]] = container
                current = container
            elif not isinstance(current, dict) or isinstance(current, _Indexed) != isinstance(
                container, _Indexed
            ):
                raise QueryError(
                    "query_conflict", f"query key {found.group(1)!r} is used with two shapes"
                )
            node = current
            path.append(len(node) if part == "" else (index if index is not None else part))
        _assign(node, path[-1], value, limits, found.group(1))
    return _finish(root)


class QueryLimitsMiddleware:
    """Refuse a request whose query string breaks the caps; keep the parsed result in the scope."""

    def __init__(self, app: ASGIApp, *, limits: QueryLimits = QueryLimits()) -> None:  # noqa: B008 - frozen
        self.app = app
        self.limits = limits

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["query_string"]:
            try:
                scope[SCOPE_KEY] = parse_query(scope["query_string"], self.limits)
            except QueryError as exc:
                await reject(send, exc.status, exc.kind, "query", exc.message)
                return
        await self.app(scope, receive, send)
