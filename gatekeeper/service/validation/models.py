"""Input models: unknown fields ignored (or forbidden per route), mass assignment refused.

* :class:`InputModel` ignores unknown fields, as the services' clients expect;
  :class:`StrictInputModel` forbids them (use it for routes where a typo must be an error).
* Server-side fields (``is_admin``, ``role``, ... plus a model's own ``server_fields``) can never
  be set from input: sending one is a 422, whatever the extra-fields mode, and an input model
  that *declares* one is a programming error raised when the class is defined.
  Names are compared without case, ``_`` or ``-``, so ``isAdmin`` and ``IS-ADMIN`` count too.
* Keys starting with ``__`` (``__class__``, ``__init__``, ``__proto__``) are refused at any depth
  of the input, inside lists and plain dicts too.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, model_validator

#: Fields no client may set on any input model.
SERVER_FIELDS = frozenset(
    {
        "is_admin",
        "admin",
        "is_superuser",
        "is_staff",
        "role",
        "roles",
        "permissions",
        "scopes",
        "owner_id",
        "user_id",
    }
)


def normalize(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


def check_keys(data: Any) -> None:
    """Raise ValueError for a dunder key anywhere in ``data`` (iterative, no recursion)."""
    stack = [data]
    while stack:
        value = stack.pop()
        if isinstance(value, Mapping):
            for key, item in value.items():
                if isinstance(key, str) and key.startswith("__"):
                    raise ValueError(f"key {key[:40]!r} is not allowed (reserved name)")
                stack.append(item)
        elif isinstance(value, list | tuple):
            stack.extend(value)


class InputModel(BaseModel):
    """Base class of every request-body model."""

    model_config = ConfigDict(extra="ignore")
    #: Extra field names this model refuses from input (added to :data:`SERVER_FIELDS`).
    server_fields: ClassVar[frozenset[str]] = frozenset()

    @classmethod
    def refused(cls) -> frozenset[str]:
        return frozenset(normalize(n) for n in SERVER_FIELDS | cls.server_fields)

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        refused = cls.refused()
        declared = sorted(
            name
            for name, info in cls.model_fields.items()
            if normalize(name) in refused or normalize(info.alias or name) in refused
        )
        if declared:
            raise TypeError(
                f"{cls.__name__} declares server-side field(s) {', '.join(declared)}: "
                "an input model must not let clients set them"
            )

    @model_validator(mode="before")
    @classmethod
    def _guard(cls, data: Any) -> Any:
        if isinstance(data, Mapping):
            refused = cls.refused()
            for key in data:
                if isinstance(key, str) and normalize(key) in refused:
                    raise ValueError(f"field {key[:40]!r} cannot be set from input")
            check_keys(data)
        return data


class StrictInputModel(InputModel):
    """An input model whose unknown fields are errors (422) instead of being ignored."""

    model_config = ConfigDict(extra="forbid")
