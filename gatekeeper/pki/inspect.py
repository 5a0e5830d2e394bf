"""Read certificates back: subject, SANs, serial, issuer, validity, days left."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.x509.oid import NameOID

from gatekeeper.errors import CertificateError
from gatekeeper.fsutil import read_bounded
from gatekeeper.pki.expiry import days_left
from gatekeeper.pki.interface import KeyType, serial_from_int


@dataclass(frozen=True)
class CertInfo:
    service: str
    subject: str
    dns_names: tuple[str, ...]
    ip_addresses: tuple[str, ...]
    serial: str
    issuer: str
    not_before: dt.datetime
    not_after: dt.datetime
    key_type: KeyType

    @property
    def lifetime(self) -> dt.timedelta:
        return self.not_after - self.not_before

    def remaining(self, now: dt.datetime) -> dt.timedelta:
        return self.not_after - now

    def days_left(self, now: dt.datetime) -> float:
        return days_left(self.not_after, now)

    @property
    def sans(self) -> tuple[str, ...]:
        return (*self.dns_names, *self.ip_addresses)


def _common_name(name: x509.Name) -> str:
    values = name.get_attributes_for_oid(NameOID.COMMON_NAME)
    return str(values[0].value) if values else name.rfc4514_string()


def key_type_of(cert: x509.Certificate) -> KeyType:
    key = cert.public_key()
    if isinstance(key, ec.EllipticCurvePublicKey):
        return "ec"
    if isinstance(key, rsa.RSAPublicKey):
        return "rsa"
    if isinstance(key, ed25519.Ed25519PublicKey):
        return "ed25519"
    raise CertificateError(f"unsupported public key type {key.__class__.__name__}")


def load_certificate(data: bytes, path: Path) -> x509.Certificate:
    try:
        return x509.load_pem_x509_certificate(data)
    except ValueError:
        raise CertificateError("not a PEM certificate", path=path) from None


def describe(cert: x509.Certificate, service: str) -> CertInfo:
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        dns = tuple(san.get_values_for_type(x509.DNSName))
        ips = tuple(str(ip) for ip in san.get_values_for_type(x509.IPAddress))
    except x509.ExtensionNotFound:
        dns, ips = (), ()
    return CertInfo(
        service=service,
        subject=_common_name(cert.subject),
        dns_names=dns,
        ip_addresses=ips,
        serial=serial_from_int(cert.serial_number),
        issuer=_common_name(cert.issuer),
        not_before=cert.not_valid_before_utc,
        not_after=cert.not_valid_after_utc,
        key_type=key_type_of(cert),
    )


def read_info(path: Path, service: str) -> CertInfo:
    """Describe the certificate at ``path``; an unreadable file is a CertificateError."""
    try:
        data = read_bounded(path)
    except OSError as exc:
        raise CertificateError(f"cannot read certificate: {exc.strerror}", path=path) from None
    return describe(load_certificate(data, path), service)
