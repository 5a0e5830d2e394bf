"""Properties over arbitrary input: the validators never crash, and never under-count."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from gatekeeper.service.validation import (
    JSONLimits,
    QueryError,
    QueryLimits,
    check_json,
    parse_query,
)

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=30,
)


def _depth(value: Any) -> int:
    if isinstance(value, list):
        return 1 + max((_depth(v) for v in value), default=0)
    if isinstance(value, dict):
        return 1 + max((_depth(v) for v in value.values()), default=0)
    return 0


def _keys(value: Any) -> int:
    if isinstance(value, list):
        return sum(_keys(v) for v in value)
    if isinstance(value, dict):
        return len(value) + sum(_keys(v) for v in value.values())
    return 0


@settings(max_examples=300, deadline=None)
@given(JSON_VALUES, st.integers(1, 4), st.integers(0, 6))
def test_check_json_never_lets_a_deeper_or_bigger_document_through(
    value: Any, max_depth: int, max_keys: int
) -> None:
    body = json.dumps(value).encode()
    error = check_json(body, JSONLimits(max_depth=max_depth, max_keys=max_keys, max_string=10**6))
    if error is None:
        assert _depth(value) <= max_depth and _keys(value) <= max_keys
    else:
        assert _depth(value) > max_depth or _keys(value) > max_keys


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=200))
def test_check_json_accepts_any_bytes(body: bytes) -> None:
    check_json(body, JSONLimits())


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet="ab01[]=&%+é", max_size=60))
def test_parse_query_only_ever_refuses_with_query_error(query: str) -> None:
    try:
        result = parse_query(query, QueryLimits(max_index=10))
    except QueryError as exc:
        assert exc.status in (400, 414)
    else:
        assert isinstance(result, dict)
