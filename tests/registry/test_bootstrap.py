"""``registry init``'s layout on a real devpi-server: created once, then no change, drift fixed."""

from __future__ import annotations

import pytest
from pydantic import SecretStr

from gatekeeper.errors import UsageError
from gatekeeper.policy.model import RegistryPolicy
from gatekeeper.registry.bootstrap import ensure_layout, prod_index, staging_index
from gatekeeper.registry.devpi import DevpiClient


@pytest.mark.slow
def test_layout_is_created_once_then_left_alone(root: DevpiClient, org: str) -> None:
    policy = RegistryPolicy(org=org)
    first = ensure_layout(root, policy, org=org, publisher="root")
    assert first.changed
    assert first.changes[0] == f"created user {org}"
    assert first.changes[1].startswith(f"created index {org}/prod (volatile=False, bases=none")
    assert first.changes[2].startswith(f"created index {org}/staging (volatile=True")
    prod, staging = root.get_index(prod_index(org)), root.get_index(staging_index(org))
    assert prod is not None and staging is not None
    assert not prod.volatile and prod.mirror_whitelist == () and prod.acl_upload == ("root",)
    assert prod.acl_toxresult_upload == ("root",)
    assert staging.volatile and staging.bases == (prod_index(org),)
    second = ensure_layout(root, policy, org=org, publisher="root")
    assert not second.changed and second.changes == ()


@pytest.mark.slow
def test_drift_is_fixed_and_reported(root: DevpiClient, org: str) -> None:
    policy = RegistryPolicy(org=org)
    ensure_layout(root, policy, org=org, publisher="root")
    root.modify_index(
        prod_index(org),
        {"volatile": True, "acl_upload": [":ANONYMOUS:"], "mirror_whitelist": ["*"]},
    )
    fixed = ensure_layout(root, policy, org=org, publisher="root")
    assert set(fixed.changes) == {
        f"{org}/prod: volatile True -> False",
        f"{org}/prod: mirror_whitelist ['*'] -> []",
        f"{org}/prod: acl_upload [':ANONYMOUS:'] -> ['root']",
    }
    prod = root.get_index(prod_index(org))
    assert prod is not None and not prod.volatile and prod.acl_upload == ("root",)
    assert not ensure_layout(root, policy, org=org, publisher="root").changed


@pytest.mark.slow
def test_missing_publisher_and_foreign_index_types_are_refused(root: DevpiClient, org: str):
    with pytest.raises(UsageError, match="'nobody-here' .the publisher. does not exist"):
        ensure_layout(root, RegistryPolicy(org=org), org=org, publisher="nobody-here")
    root.create_user(org, SecretStr("unused-org-password"))
    root.create_index(
        prod_index(org), {"type": "mirror", "mirror_url": "https://example.invalid/simple/"}
    )
    with pytest.raises(UsageError, match="is a mirror index, not a stage index"):
        ensure_layout(root, RegistryPolicy(org=org), org=org, publisher="root")
