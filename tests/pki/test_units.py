"""Pure functions: durations, request validation, serials, name matching."""

from __future__ import annotations

from typing import Any

import pytest

from gatekeeper.duration import format_duration, parse_duration
from gatekeeper.errors import CertificateError, UsageError
from gatekeeper.pki.interface import InitResult, normalize_serial, serial_from_int
from gatekeeper.pki.operations import reload_command
from gatekeeper.pki.validate import build_request, check_dns_name, default_name
from gatekeeper.pki.verify import name_matches
from gatekeeper.policy.model import CertsRole


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("90d", 7776000),
        ("720h", 2592000),
        ("1h30m", 5400),
        ("45s", 45),
        ("2w", 1209600),
        ("60", 60),
    ],
)
def test_parse_duration(text: str, seconds: int) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "abc", "10x", "0", "0d", "-5d", "1.5h"])
def test_parse_duration_rejects(text: str) -> None:
    with pytest.raises(ValueError, match="invalid duration"):
        parse_duration(text)


def test_format_duration() -> None:
    assert format_duration(7776000) == "90d"
    assert format_duration(1209600) == "2w"
    assert format_duration(5400) == "90m"
    assert format_duration(7200) == "2h"
    assert format_duration(61) == "61s"


def test_serials() -> None:
    assert normalize_serial("6BAC66") == "6b:ac:66"
    assert normalize_serial("6b-ac-66") == "6b:ac:66"
    assert normalize_serial(" 6b:ac:66 ") == "6b:ac:66"
    assert normalize_serial("abc") == "0a:bc"
    assert serial_from_int(0x0102) == "01:02"
    for bad in ("", "xyz", "::"):
        with pytest.raises(CertificateError, match="invalid serial"):
            normalize_serial(bad)


def test_init_result() -> None:
    assert InitResult(("x",), "local", "/d").changed
    assert not InitResult((), "local", "/d").changed


ROLE = CertsRole(allowed_domains=["internal", "corp.example"], allow_wildcard=False)


def test_names_allowed_by_role() -> None:
    assert check_dns_name("API.internal.", ROLE, "r") == "api.internal"
    assert check_dns_name("a.b.corp.example", ROLE, "r") == "a.b.corp.example"
    assert check_dns_name("localhost", ROLE, "r") == "localhost"
    bare = CertsRole(allowed_domains=["internal"], allow_bare_domains=True, allow_subdomains=False)
    assert check_dns_name("internal", bare, "r") == "internal"
    wild = CertsRole(allow_wildcard=True)
    assert check_dns_name("*.api.internal", wild, "r") == "*.api.internal"
    assert check_dns_name("*.internal", wild, "r") == "*.internal"


@pytest.mark.parametrize(
    ("name", "role", "message"),
    [
        ("evil.example.com", ROLE, "not allowed by role"),
        ("internal", ROLE, "not allowed by role"),
        ("*.api.internal", ROLE, "wildcard name"),
        ("bad_name!.internal", ROLE, "not a valid DNS name"),
        ("localhost", CertsRole(allow_localhost=False), "localhost is not allowed"),
        ("x.internal", CertsRole(allow_subdomains=False), "not allowed by role"),
    ],
)
def test_names_refused(name: str, role: CertsRole, message: str) -> None:
    with pytest.raises(CertificateError, match=message):
        check_dns_name(name, role, "r")


def test_build_request_defaults_and_dedup() -> None:
    req = build_request("recipe_api", "service", CertsRole())
    assert req.dns_names == ("recipe-api.internal",)
    assert req.common_name == "recipe-api.internal"
    assert req.ttl_seconds == 90 * 86400
    assert req.key_type == "ec"
    assert default_name("x", ROLE) == "x.internal"
    wild = CertsRole(allow_wildcard=True)
    req = build_request(
        "api",
        "r",
        wild,
        sans=["*.api.internal", "api.internal", "api.internal"],
        ips=["127.0.0.1", "::1", "127.0.0.1"],
        ttl="1h",
        key_type="ed25519",
    )
    assert req.dns_names == ("*.api.internal", "api.internal")
    assert req.common_name == "api.internal"
    assert req.ip_addresses == ("127.0.0.1", "::1")
    assert (req.ttl_seconds, req.key_type, req.no_store) == (3600, "ed25519", False)
    only_wild = build_request("api", "r", wild, sans=["*.api.internal"])
    assert only_wild.common_name == "*.api.internal"


@pytest.mark.parametrize(
    ("kwargs", "role", "message"),
    [
        ({"ttl": "400d"}, CertsRole(), "longer than the maximum 397d"),
        ({"ttl": "soon"}, CertsRole(), "invalid duration"),
        ({"key_type": "rsa"}, CertsRole(key_types=["ec"]), "key type rsa is not allowed"),
        ({"ips": ["10.0.0.1"]}, CertsRole(allow_ip_sans=False), "IP SANs are not allowed"),
        ({"ips": ["not-an-ip"]}, CertsRole(), "is not an IP address"),
        ({}, CertsRole(allowed_domains=["internal"], allow_subdomains=False), "not allowed"),
    ],
)
def test_build_request_refused(kwargs: dict[str, Any], role: CertsRole, message: str) -> None:
    with pytest.raises(CertificateError, match=message):
        build_request("api", "r", role, **kwargs)


def test_name_matching() -> None:
    assert name_matches("*.api.internal", "a.api.internal")
    assert not name_matches("*.api.internal", "a.b.api.internal")
    assert not name_matches("*.api.internal", "api.internal")
    assert name_matches("API.internal", "api.internal.")
    assert not name_matches("api.internal", "web.internal")


def test_reload_command_is_checked_before_anything_is_renewed() -> None:
    assert reload_command("systemctl reload 'my api'") == ["systemctl", "reload", "my api"]
    with pytest.raises(UsageError, match="No closing quotation"):
        reload_command("kill -HUP 'x")
    with pytest.raises(UsageError, match="--exec needs a command"):
        reload_command("   ")
