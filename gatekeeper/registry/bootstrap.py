"""``gatekeeper registry init``: the organisation user, ``ORG/staging`` and ``ORG/prod``.

:func:`ensure_layout` is idempotent: it creates what is missing, sets back every setting that
drifted from :func:`wanted_indexes`, and returns one line per change (none: nothing changed).
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from gatekeeper.errors import UsageError

if TYPE_CHECKING:
    from gatekeeper.policy.model import RegistryPolicy
    from gatekeeper.registry.devpi import DevpiClient, IndexConfig

STAGING = "staging"
PROD = "prod"


def staging_index(org: str) -> str:
    return f"{org}/{STAGING}"


def prod_index(org: str) -> str:
    return f"{org}/{PROD}"


def wanted_indexes(policy: RegistryPolicy, org: str, publisher: str) -> dict[str, dict[str, Any]]:
    """The index configurations, by ``user/index``, in creation order (prod is staging's base)."""
    acl = [publisher]
    return {
        prod_index(org): {
            "type": "stage",
            "volatile": False,
            "bases": list(policy.prod_bases),
            "mirror_whitelist": [],
            "acl_upload": acl,
            "acl_toxresult_upload": acl,
        },
        staging_index(org): {
            "type": "stage",
            "volatile": True,
            "bases": [prod_index(org)],
            "mirror_whitelist": [],
            "acl_upload": acl,
            "acl_toxresult_upload": acl,
        },
    }


@dataclass(frozen=True)
class Layout:
    """What :func:`ensure_layout` did: one line per change, in order."""

    changes: tuple[str, ...]

    @property
    def changed(self) -> bool:
        return bool(self.changes)


def _current(config: IndexConfig) -> dict[str, Any]:
    return {
        "type": config.type,
        "volatile": config.volatile,
        "bases": list(config.bases),
        "mirror_whitelist": list(config.mirror_whitelist),
        "acl_upload": list(config.acl_upload),
        "acl_toxresult_upload": list(config.acl_toxresult_upload),
    }


def _drift(current: Mapping[str, Any], wanted: Mapping[str, Any]) -> dict[str, Any]:
    def same(a: Any, b: Any) -> bool:
        if isinstance(a, list) and isinstance(b, list):
            return sorted(map(str, a)) == sorted(map(str, b))
        return bool(a == b)

    return {key: value for key, value in wanted.items() if not same(current.get(key), value)}


def ensure_layout(
    client: DevpiClient, policy: RegistryPolicy, *, org: str, publisher: str
) -> Layout:
    """Create or fix the org user and its two indexes; ``client`` must be logged in as a user
    allowed to create users and indexes (root)."""
    from pydantic import SecretStr

    if client.get_user(publisher) is None:
        raise UsageError(
            f"devpi user {publisher!r} (the publisher) does not exist",
            hint=f"create it first (devpi user -c {publisher}) or set registry.publisher",
        )
    changes: list[str] = []
    if client.get_user(org) is None:
        # Nobody logs in as the organisation: root manages its indexes. The password is
        # random and discarded.
        client.create_user(org, SecretStr(secrets.token_urlsafe(32)))
        changes.append(f"created user {org}")
    for name, wanted in wanted_indexes(policy, org, publisher).items():
        config = client.get_index(name)
        if config is None:
            client.create_index(name, wanted)
            changes.append(f"created index {name} ({_describe(wanted)})")
            continue
        drift = _drift(_current(config), wanted)
        if "type" in drift:
            raise UsageError(
                f"devpi index {name} is a {config.type} index, not a stage index",
                hint="rename or delete it, then run registry init again",
            )
        if drift:
            client.modify_index(name, drift)
            current = _current(config)
            changes += [f"{name}: {key} {current[key]!r} -> {drift[key]!r}" for key in drift]
    return Layout(tuple(changes))


def _describe(config: Mapping[str, Any]) -> str:
    bases = ", ".join(config["bases"]) or "none"
    return (
        f"volatile={config['volatile']}, bases={bases}, "
        f"acl_upload={', '.join(config['acl_upload'])}"
    )
