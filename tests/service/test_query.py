from __future__ import annotations

import json
import tracemalloc
from typing import Any

import pytest

from gatekeeper.service.validation import (
    SCOPE_KEY,
    QueryError,
    QueryLimits,
    QueryLimitsMiddleware,
    parse_query,
)
from tests.service.asgi import body, echo_app, http_scope, run, status


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", {}),
        ("a=1&b=two+words&c=%C3%A9", {"a": "1", "b": "two words", "c": "é"}),
        ("a&b=", {"a": "", "b": ""}),
        ("&&a=1&", {"a": "1"}),
        ("u[name]=x&u[age]=3", {"u": {"name": "x", "age": "3"}}),
        ("a[]=x&a[]=y", {"a": ["x", "y"]}),
        ("a[1]=y&a[0]=x", {"a": ["x", "y"]}),
        ("a[1]=x&a[7]=y", {"a": ["x", "y"]}),  # gaps compacted
        ("a[0][b]=1&a[0][c]=2&a[1][b]=3", {"a": [{"b": "1", "c": "2"}, {"b": "3"}]}),
        ("a[0][0]=x&a[0][1]=y", {"a": [["x", "y"]]}),
        ("a[100]=x", {"a": ["x"]}),
        ("a[x1]=1", {"a": {"x1": "1"}}),
    ],
)
def test_parses(query: str, expected: dict[str, Any]) -> None:
    assert parse_query(query) == expected
    assert parse_query(query.encode()) == expected


@pytest.mark.parametrize(
    ("query", "kind", "status_code"),
    [
        ("a[0][999999999]=1", "query_index_too_large", 400),
        ("a[101]=1", "query_index_too_large", 400),
        ("a[" + "9" * 5000 + "]=1", "query_too_long", 414),
        ("a[1" + "0" * 300 + "]=1", "query_index_too_large", 400),
        ("&".join(f"p{i}=1" for i in range(101)), "query_too_many_params", 400),
        ("a[b=1", "query_malformed_key", 400),
        ("a]=1", "query_malformed_key", 400),
        ("[a]=1", "query_malformed_key", 400),
        ("a[1][2][3][4][5][6]=1", "query_too_deep", 400),
        ("a=%ff", "query_encoding", 400),
        ("a=1&a[b]=2", "query_conflict", 400),
        ("a[b]=1&a=2", "query_conflict", 400),
        ("a[b]=1&a[0]=2", "query_conflict", 400),
        ("a[0]=1&a[b]=2", "query_conflict", 400),
        ("a[b]=1&a[b][c]=2", "query_conflict", 400),
    ],
)
def test_refuses(query: str, kind: str, status_code: int) -> None:
    with pytest.raises(QueryError) as exc:
        parse_query(query)
    assert (exc.value.kind, exc.value.status) == (kind, status_code)


def test_huge_index_is_refused_in_constant_memory() -> None:
    with pytest.raises(QueryError, match="array index larger than 100"):
        parse_query("a[0][999999999]=1")
    tracemalloc.start()
    try:
        parse_query("a[0][999999999]=1", QueryLimits(max_index=10**9))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 100_000  # the index never sizes anything
    assert parse_query("a[999999999]=1", QueryLimits(max_index=10**9)) == {"a": ["1"]}


@pytest.mark.parametrize(
    ("policy", "expected"),
    [("first", "1"), ("last", "3"), ("list", ["1", "2", "3"])],
)
def test_repeated_keys_policy(policy: Any, expected: Any) -> None:
    assert parse_query("a=1&a=2&a=3", QueryLimits(repeated=policy)) == {"a": expected}


def test_repeated_keys_rejected_when_declared() -> None:
    with pytest.raises(QueryError, match="repeated"):
        parse_query("a=1&a=2", QueryLimits(repeated="reject"))
    with pytest.raises(QueryError, match="repeated"):
        parse_query("a[0]=1&a[0]=2", QueryLimits(repeated="reject"))


def test_middleware_refuses_and_keeps_the_parse() -> None:
    app, seen = echo_app(read=False)
    mw = QueryLimitsMiddleware(app, limits=QueryLimits(max_params=2))
    sent = run(mw, http_scope(query=b"a=1&b=2&c=3", method="GET"))
    assert status(sent) == 400 and seen == []
    assert json.loads(body(sent))["detail"][0]["loc"] == ["query"]
    scope = http_scope(query=b"a[]=1", method="GET")
    assert status(run(mw, scope)) == 200
    assert scope[SCOPE_KEY] == {"a": ["1"]}
    scope = http_scope(method="GET")
    assert status(run(mw, scope)) == 200 and SCOPE_KEY not in scope
    assert status(run(mw, {"type": "lifespan"})) == 200
