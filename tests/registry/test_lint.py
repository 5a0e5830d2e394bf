"""The registry lint rules on index configurations as devpi returns them."""

from __future__ import annotations

from gatekeeper.policy.model import InternalPolicy, Policy, RegistryPolicy
from gatekeeper.registry.devpi import IndexConfig
from gatekeeper.registry.lint import inherits_mirror, lint, release_indexes

URL = "https://devpi.example"
POLICY = Policy(internal=InternalPolicy(prefixes=["corp-"]))


def index(name: str, **config: object) -> IndexConfig:
    data = {"type": "stage", "volatile": False, "acl_upload": ["ci"]}
    data["acl_toxresult_upload"] = ["ci"]
    data.update(config)
    return IndexConfig.from_json(name, data)


def server(*configs: IndexConfig) -> dict[str, IndexConfig]:
    return {c.name: c for c in configs}


def ids(indexes: dict[str, IndexConfig], policy: Policy = POLICY, org: str | None = None):
    return sorted(
        (f.rule_id, f.location.path if f.location else "")
        for f in lint(indexes, policy, URL, org=org)
    )


MIRROR = IndexConfig.from_json("root/pypi", {"type": "mirror", "volatile": False})


def test_a_well_set_up_server_has_no_findings() -> None:
    good = server(
        MIRROR,
        index("corp/prod", bases=["root/pypi"]),
        index("corp/staging", volatile=True, bases=["corp/prod"]),
    )
    assert ids(good) == []


def test_each_rule() -> None:
    bad = server(
        MIRROR,
        index("corp/prod", volatile=True, acl_toxresult_upload=[":ANONYMOUS:"]),
        index("team/dev", volatile=True, bases=["corp/prod", "root/pypi"], mirror_whitelist=["*"]),
        index("team/named", bases=["team/dev"], mirror_whitelist=["Corp_Secret", "requests"]),
        index("team/open", acl_upload=[":ANONYMOUS:", "ci"]),
    )
    assert ids(bad) == [
        ("GK-REG-001", f"{URL}/corp/prod"),
        ("GK-REG-002", f"{URL}/team/dev"),
        ("GK-REG-003", f"{URL}/team/named"),
        ("GK-REG-004", f"{URL}/team/open"),
        ("GK-REG-005", f"{URL}/corp/prod"),
    ]
    named = [f for f in lint(bad, POLICY, URL) if f.rule_id == "GK-REG-003"]
    assert "internal package corp-secret" in named[0].message.lower().replace("_", "-")
    assert named[0].data["cwe"] == "CWE-427"


def test_whitelist_without_a_mirror_base_is_harmless() -> None:
    alone = server(index("corp/prod", mirror_whitelist=["*", "corp-x"]))
    assert ids(alone) == []


def test_release_indexes_come_from_org_and_policy_and_must_exist() -> None:
    policy = Policy(registry=RegistryPolicy(org="acme", release_indexes=["team/rel", "acme/prod"]))
    assert release_indexes(policy) == ["acme/prod", "team/rel"]
    assert release_indexes(policy, "other") == ["other/prod", "team/rel", "acme/prod"]
    found = ids(server(index("team/rel", volatile=True)), policy)
    assert found == [("GK-REG-001", f"{URL}/team/rel"), ("GK-REG-006", f"{URL}/acme/prod")]
    assert ids(server(index("x/prod")), POLICY, org="x") == []


def test_mirror_inheritance_is_transitive_and_cycles_end() -> None:
    configs = server(
        MIRROR,
        index("a/one", bases=["a/two"]),
        index("a/two", bases=["a/one", "a/gone", "root/pypi"]),
        index("a/three", bases=["a/three"]),
    )
    assert inherits_mirror("a/one", configs) == "root/pypi"
    assert inherits_mirror("a/three", configs) is None
    assert inherits_mirror("a/unknown", configs) is None
