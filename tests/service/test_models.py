from __future__ import annotations

from typing import Any

import pytest
from pydantic import Field, ValidationError

from gatekeeper.service.validation import InputModel, StrictInputModel


class Profile(InputModel):
    server_fields = frozenset({"id"})

    name: str
    meta: dict[str, Any] = {}
    items: list[Any] = []


class Strict(StrictInputModel):
    name: str


def test_unknown_fields_ignored_by_default_and_forbidden_when_strict() -> None:
    assert Profile.model_validate({"name": "x", "other": 1}).model_dump() == {
        "name": "x",
        "meta": {},
        "items": [],
    }
    with pytest.raises(ValidationError, match="Extra inputs are not permitted"):
        Strict.model_validate({"name": "x", "other": 1})


@pytest.mark.parametrize("key", ["is_admin", "isAdmin", "IS-ADMIN", "role", "id", "owner_id"])
def test_server_side_fields_never_set_from_input(key: str) -> None:
    with pytest.raises(ValidationError, match=f"field '{key}' cannot be set from input"):
        Profile.model_validate({"name": "x", key: True})
    if key != "id":  # only Profile declares id as a server field
        with pytest.raises(ValidationError, match="cannot be set from input"):
            Strict.model_validate({"name": "x", key: True})


@pytest.mark.parametrize(
    "data",
    [
        {"name": "x", "__class__": 1},
        {"name": "x", "meta": {"ok": {"__proto__": {"polluted": True}}}},
        {"name": "x", "items": [1, [{"__init__": 2}]]},
        {"name": "x", "items": [({"__dict__": 1},)]},
    ],
)
def test_dunder_keys_refused_at_any_depth(data: dict[str, Any]) -> None:
    with pytest.raises(ValidationError, match="is not allowed"):
        Profile.model_validate(data)


def test_declaring_a_server_field_is_a_programming_error() -> None:
    with pytest.raises(TypeError, match="declares server-side field"):

        class Bad(InputModel):
            is_admin: bool = False

    with pytest.raises(TypeError, match="declares server-side field"):

        class Aliased(InputModel):
            admin_flag: bool = Field(default=False, alias="isAdmin")


def test_non_mapping_input_is_left_to_pydantic() -> None:
    profile = Profile(name="x")
    assert Profile.model_validate(profile) is profile
    with pytest.raises(ValidationError):
        Profile.model_validate([("name", "x")])
