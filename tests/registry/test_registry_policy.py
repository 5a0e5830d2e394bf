"""The ``[registry]`` policy section: defaults, values, and each mistake named at its key."""

from __future__ import annotations

import pytest

from gatekeeper.policy.model import Policy, RegistryPolicy
from gatekeeper.policy.validate import from_mapping, read


def test_defaults_and_values() -> None:
    assert from_mapping(RegistryPolicy, {}) == RegistryPolicy()
    data = {
        "org": "acme.dev",
        "publisher": "ci_bot",
        "prod_bases": ["root/pypi"],
        "release_indexes": ["team/rel"],
        "timeout_s": 5,
    }
    assert from_mapping(RegistryPolicy, data) == RegistryPolicy(
        org="acme.dev",
        publisher="ci_bot",
        prod_bases=["root/pypi"],
        release_indexes=["team/rel"],
        timeout_s=5.0,
    )


@pytest.mark.parametrize(
    ("section", "problem"),
    [
        ({"org": "a b"}, "registry.org: must be a devpi user name"),
        ({"org": ""}, "registry.org: must not be empty"),
        ({"publisher": "-x"}, "registry.publisher: must be a devpi user name"),
        ({"prod_bases": ["pypi"]}, "registry.prod_bases.0: must be a devpi index as USER/INDEX"),
        ({"release_indexes": ["a/b/c"]}, "registry.release_indexes.0: must be a devpi index"),
        ({"release_indexes": ["/b"]}, "registry.release_indexes.0: must be a devpi index"),
        ({"timeout_s": 0}, "registry.timeout_s: must be > 0"),
        ({"url": "x"}, "registry.url: unknown key"),
    ],
)
def test_each_mistake_is_named_at_its_key(section: dict[str, object], problem: str) -> None:
    found = [f"{p.dotted}: {p.message}" for p in read(Policy, {"registry": section})[1]]
    assert len(found) == 1 and found[0].startswith(problem), found
