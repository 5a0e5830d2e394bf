"""``certs verify``: the chain leads to ``ca.pem``, the key matches, the names are right."""

from __future__ import annotations

import datetime as dt
import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes

from gatekeeper.pki.inspect import describe, load_certificate
from gatekeeper.pki.store import CA_BUNDLE, CERT, CHAIN, CRL, KEY, CertStore


@dataclass(frozen=True)
class Verification:
    service: str
    problems: tuple[str, ...]
    checked: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not self.problems


def _load_all(data: bytes) -> list[x509.Certificate]:
    try:
        return x509.load_pem_x509_certificates(data) if data.strip() else []
    except ValueError:
        return []


def _issued_by(cert: x509.Certificate, issuer: x509.Certificate) -> bool:
    try:
        cert.verify_directly_issued_by(issuer)
    except (ValueError, TypeError, InvalidSignature):
        return False
    return True


def _spki(holder: x509.Certificate | PrivateKeyTypes) -> bytes:
    data: bytes = holder.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return data


def name_matches(pattern: str, host: str) -> bool:
    """RFC 6125: a wildcard covers exactly one leftmost label."""
    pattern, host = pattern.lower().rstrip("."), host.lower().rstrip(".")
    if pattern.startswith("*."):
        head, _, rest = host.partition(".")
        return bool(head) and rest == pattern[2:]
    return pattern == host


def verify_service(
    store: CertStore,
    service: str,
    names: Sequence[str] = (),
    now: dt.datetime | None = None,
) -> Verification:
    """Check ``service``'s files; ``names`` are hosts/IPs the certificate must cover."""
    moment = now or dt.datetime.now(dt.UTC)
    problems: list[str] = []
    checked: list[str] = []
    cert_path = store.service_dir(service) / CERT
    leaf = load_certificate(store.read(service, CERT), cert_path)
    info = describe(leaf, service)
    chain = _load_all(store.read(service, CHAIN))
    bundle_path = store.path / CA_BUNDLE
    roots = _load_all(store.read_shared(CA_BUNDLE) or b"")

    # 1. chain: leaf → intermediates → a root in ca.pem, every signature and validity checked
    path = [leaf, *chain]
    linked = all(_issued_by(a, b) for a, b in zip(path, path[1:], strict=False))
    anchor = next((r for r in roots if _issued_by(path[-1], r)), None)
    if not roots:
        problems.append(f"no trust bundle at {bundle_path}")
    elif not linked or anchor is None:
        problems.append(f"the chain does not lead to a root in {bundle_path}")
    else:
        checked.append(f"chain verifies to {anchor.subject.rfc4514_string()}")
    problems.extend(
        f"{cert.subject.rfc4514_string()} is not valid now"
        for cert in [*path, *([anchor] if anchor is not None else [])]
        if not cert.not_valid_before_utc <= moment <= cert.not_valid_after_utc
    )
    # 2. revocation, when a CRL was published next to the bundle
    crl_pem = store.read_shared(CRL)
    if crl_pem is not None:
        try:
            crl = x509.load_pem_x509_crl(crl_pem)
        except ValueError:
            problems.append(f"{store.path / CRL} is not a PEM certificate revocation list")
        else:
            if crl.get_revoked_certificate_by_serial_number(leaf.serial_number) is not None:
                problems.append(f"serial {info.serial} is revoked")
            else:
                checked.append("not revoked")
    # 3. key matches the certificate
    key_data = store.read(service, KEY)
    try:
        key = serialization.load_pem_private_key(key_data, None)
    except (ValueError, TypeError):
        problems.append("key.pem is not an unencrypted PEM private key")
    else:
        if _spki(key) == _spki(leaf):
            checked.append("key matches the certificate")
        else:
            problems.append("key.pem does not match cert.pem")
    # 4. names
    if not info.sans:
        problems.append("the certificate has no subject alternative names")
    for name in names:
        try:
            address = str(ipaddress.ip_address(name))
        except ValueError:
            covered = any(name_matches(p, name) for p in info.dns_names)
        else:
            covered = address in info.ip_addresses
        if covered:
            checked.append(f"covers {name}")
        else:
            problems.append(f"does not cover {name} (SANs: {', '.join(info.sans) or 'none'})")
    return Verification(service, tuple(problems), tuple(checked))
