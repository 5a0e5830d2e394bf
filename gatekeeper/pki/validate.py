"""Check a certificate request against its role *before* any backend sees it.

Both backends get the same verdict and the same clear error (exit 2). Vault's role enforces the
same rules server-side; here we are stricter, never looser (a TTL over the maximum is refused,
where Vault would silently shorten it).
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

from gatekeeper.duration import format_duration, parse_duration
from gatekeeper.errors import CertificateError
from gatekeeper.pki.interface import CertificateRequest, KeyType

if TYPE_CHECKING:
    from gatekeeper.policy.certs import CertsRole

_LABEL = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")


def _is_hostname(name: str) -> bool:
    return len(name) <= 253 and all(_LABEL.match(label) for label in name.split("."))


def check_dns_name(name: str, role: CertsRole, role_name: str) -> str:
    """The normalized name, or a CertificateError saying which rule it breaks."""
    value = name.strip().lower().rstrip(".")
    if value == "localhost":
        if role.allow_localhost:
            return value
        raise CertificateError(f"localhost is not allowed by role {role_name!r}")
    wildcard = value.startswith("*.")
    base = value[2:] if wildcard else value
    if not _is_hostname(base):
        raise CertificateError(f"{name!r} is not a valid DNS name")
    if wildcard and not role.allow_wildcard:
        raise CertificateError(
            f"wildcard name {name!r} is not allowed by role {role_name!r}",
            hint="set allow_wildcard = true in the role if the policy permits it",
        )
    for domain in role.allowed_domains:
        if base == domain and (role.allow_bare_domains or wildcard):
            return value
        if base.endswith("." + domain) and role.allow_subdomains:
            return value
    raise CertificateError(
        f"{name!r} is not allowed by role {role_name!r}",
        hint=f"allowed: subdomains of {', '.join(role.allowed_domains)}"
        if role.allow_subdomains
        else f"allowed: {', '.join(role.allowed_domains)}",
    )


def check_ip(text: str, role: CertsRole, role_name: str) -> str:
    try:
        value = str(ipaddress.ip_address(text.strip()))
    except ValueError:
        raise CertificateError(f"{text!r} is not an IP address") from None
    if not role.allow_ip_sans:
        raise CertificateError(f"IP SANs are not allowed by role {role_name!r}")
    return value


def default_name(service: str, role: CertsRole) -> str:
    """The DNS name a service gets when it asks for none: ``<service>.<first domain>``."""
    return f"{service.replace('_', '-')}.{role.allowed_domains[0]}"


def build_request(
    service: str,
    role_name: str,
    role: CertsRole,
    *,
    sans: Sequence[str] = (),
    ips: Sequence[str] = (),
    ttl: str | None = None,
    key_type: KeyType | None = None,
) -> CertificateRequest:
    """A request for ``service`` under ``role``, or a CertificateError (exit 2)."""
    names = [check_dns_name(n, role, role_name) for n in sans] or [default_name(service, role)]
    if not sans:
        check_dns_name(names[0], role, role_name)
    addresses = [check_ip(i, role, role_name) for i in ips]
    max_ttl = parse_duration(role.max_ttl)
    try:
        seconds = parse_duration(ttl) if ttl is not None else parse_duration(role.default_ttl)
    except ValueError as exc:
        raise CertificateError(str(exc)) from None
    if seconds > max_ttl:
        raise CertificateError(
            f"TTL {ttl} is longer than the maximum {format_duration(max_ttl)} of role {role_name!r}"
        )
    chosen: KeyType = key_type or role.key_types[0]
    if chosen not in role.key_types:
        raise CertificateError(
            f"key type {chosen} is not allowed by role {role_name!r}",
            hint=f"allowed: {', '.join(role.key_types)}",
        )
    unique_names = tuple(dict.fromkeys(names))
    return CertificateRequest(
        common_name=next((n for n in unique_names if not n.startswith("*.")), unique_names[0]),
        dns_names=unique_names,
        ip_addresses=tuple(dict.fromkeys(addresses)),
        ttl_seconds=seconds,
        key_type=chosen,
        role=role_name,
        no_store=role.no_store,
    )
