"""The [certs] policy section: defaults, services and roles, and clear errors with lines."""

from __future__ import annotations

from pathlib import Path

import pytest

from gatekeeper.errors import PolicyError
from gatekeeper.policy.load import builtin_text, load_policy


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "policy.toml"
    path.write_text("version = 1\n" + text, encoding="utf-8")
    return path


def test_builtin_defaults(repo: Path) -> None:
    certs = load_policy(repo).policy.certs
    assert certs.dir == "certs"
    assert certs.backend == "auto"
    assert certs.fail_on.value == "high"
    assert list(certs.roles) == ["service"]
    assert certs.roles["service"].key_types == ["ec", "rsa", "ed25519"]
    assert certs.services == []
    assert "[certs]" in builtin_text()


def test_services_and_roles(repo: Path, tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
[certs.roles.edge]
allowed_domains = ["Example.COM."]
allow_wildcard = true
key_types = ["rsa"]
max_ttl = "30d"
default_ttl = "7d"
no_store = true

[[certs.services]]
name = "api"
sans = ["api.internal"]
ips = ["::1"]

[[certs.services]]
name = "edge_proxy"
role = "edge"
ttl = "1d"
key_type = "rsa"
""",
    )
    certs = load_policy(repo, path).policy.certs
    assert certs.roles["edge"].allowed_domains == ["example.com"]
    assert set(certs.roles) == {"edge"}
    assert certs.services[0].ips == ["::1"]
    assert certs.services[1].ttl == "1d"


@pytest.mark.parametrize(
    ("text", "message", "line"),
    [
        ('[certs]\ndir = "/etc/certs"\n', "certs.dir: Value error, dir must be a relative", 3),
        ('[certs]\ndir = "../x"\n', "dir must be a relative path", 3),
        ('[certs.roles.service]\nmax_ttl = "soon"\n', "invalid duration", 3),
        ('[certs.roles.service]\ndefault_ttl = "400d"\n', "default_ttl is longer", 2),
        ('[certs.roles.service]\nallowed_domains = ["*.x"]\n', "without wildcards", 3),
        ("[certs.roles.Bad]\nallow_localhost = true\n", "invalid role name", None),
        ("[certs]\nroles = {}\n", "at least one role", 3),
        ('[[certs.services]]\nname = "Bad Name"\n', "service names are lowercase", 3),
        ('[[certs.services]]\nname = "a"\nips = ["x"]\n', "IP", 4),
        ('[[certs.services]]\nname = "a"\nttl = "x"\n', "invalid duration", 4),
        ('[[certs.services]]\nname = "a"\nrole = "nope"\n', "unknown role nope", None),
        ('[[certs.services]]\nname = "a"\n[[certs.services]]\nname = "a"\n', "appears twice", None),
        ('[certs]\nbackend = "aws"\n', "certs.backend", 3),
        ("[certs]\nrenew_fraction = 1.5\n", "certs.renew_fraction", 3),
        ('[certs.ca]\nroot_ttl = "x"\n', "invalid duration", 3),
        ("[certs]\ntypo = 1\n", "unknown key", 3),
    ],
)
def test_policy_errors(
    repo: Path, tmp_path: Path, text: str, message: str, line: int | None
) -> None:
    with pytest.raises(PolicyError, match=message) as info:
        load_policy(repo, write(tmp_path, text))
    if line is not None:
        assert info.value.line == line
