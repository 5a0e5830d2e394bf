"""The [certs] policy section: defaults, services and roles, and clear errors with lines."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from gatekeeper.errors import PolicyError
from gatekeeper.policy.load import builtin_text, load_policy
from gatekeeper.policy.validate import InvalidPolicy


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
        ('[certs]\ndir = "/etc/certs"\n', "certs.dir: dir must be a relative path", 3),
        ('[certs]\ndir = "../x"\n', "certs.dir: dir must be a relative path", 3),
        ('[certs]\ndir = "C:x"\n', "certs.dir: dir must be a relative path", 3),
        ('[certs]\ndir = "~/x"\n', "certs.dir: dir must be a relative path", 3),
        ('[certs]\ndir = ""\n', "certs.dir: dir must be a relative path", 3),
        ('[certs.roles.service]\nmax_ttl = "soon"\n', "max_ttl: invalid duration 'soon'", 3),
        ('[certs.roles.service]\ndefault_ttl = "400d"\n', "default_ttl is longer than", 3),
        ('[certs.roles.service]\nallowed_domains = ["*.x"]\n', "allowed_domains.0: allowed", 3),
        ('[certs.roles.service]\nallowed_domains = [" . "]\n', "without wildcards", 3),
        ("[certs.roles.service]\nkey_types = []\n", "key_types: must have at least 1 item", 3),
        ('[certs.roles.service]\nkey_types = ["dsa"]\n', "key_types.0: must be one of ec", 3),
        ("[certs.roles.Bad]\nallow_localhost = true\n", "certs.roles.Bad: invalid role name", 2),
        ("[certs.roles.service]\nallow_localhost = 1\n", "expected a boolean, got an int", 3),
        ("[certs]\nroles = {}\n", "certs.roles: at least one role", 3),
        ('[certs]\nroles = {x = "y"}\n', "certs.roles.x: expected a table, got a string", 3),
        ('[[certs.services]]\nname = "Bad Name"\n', "service names are lowercase", 3),
        ("[[certs.services]]\nsans = []\n", "certs.services.0.name: required key is missing", 2),
        ('[[certs.services]]\nname = "a"\nips = ["x"]\n', "ips.0: 'x' does not appear", 4),
        ('[[certs.services]]\nname = "a"\nttl = "x"\n', "ttl: invalid duration", 4),
        ('[[certs.services]]\nname = "a"\nkey_type = "dsa"\n', "key_type: must be one", 4),
        ('[[certs.services]]\nname = "a"\nrole = "nope"\n', "unknown role 'nope'", 4),
        (
            '[[certs.services]]\nname = "a"\n[[certs.services]]\nname = "a"\n',
            "certs.services.1.name: service name 'a' appears twice",
            5,
        ),
        ('[certs]\nbackend = "aws"\n', "certs.backend: must be one of auto, local, vault", 3),
        ("[certs]\nrenew_fraction = 1.5\n", "certs.renew_fraction: must be > 0 and < 1", 3),
        ("[certs]\nrenew_fraction = 0\n", "certs.renew_fraction: must be > 0 and < 1", 3),
        ("[certs]\nrenew_jitter = 1\n", "certs.renew_jitter: must be >= 0 and < 1", 3),
        ("[certs]\nwarn_days = -1\n", "certs.warn_days: must be >= 0", 3),
        ("[certs]\nfail_days = true\n", "certs.fail_days: expected an integer, got a bool", 3),
        ('[certs.ca]\nroot_ttl = "x"\n', "certs.ca.root_ttl: invalid duration", 3),
        ('[certs.ca]\nintermediate_ttl = "0d"\n', "must be positive", 3),
        ("[certs.ca]\norganization = 1\n", "expected a string, got an integer", 3),
        ("[certs]\ntypo = 1\n", "certs.typo: unknown key", 3),
    ],
)
def test_policy_errors(repo: Path, tmp_path: Path, text: str, message: str, line: int) -> None:
    with pytest.raises(PolicyError, match=re.escape(message)) as info:
        load_policy(repo, write(tmp_path, text))
    assert info.value.line == line


def test_a_bad_max_ttl_is_not_also_blamed_on_default_ttl(repo: Path, tmp_path: Path) -> None:
    path = write(tmp_path, '[certs.roles.service]\nmax_ttl = "x"\ndefault_ttl = "9999d"\n')
    with pytest.raises(InvalidPolicy) as info:
        load_policy(repo, path)
    assert [p.dotted for p in info.value.problems] == ["certs.roles.service.max_ttl"]
