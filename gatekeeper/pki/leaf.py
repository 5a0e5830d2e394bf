"""Leaf certificates of the local CA, built with ``cryptography``'s X.509 builder.

A leaf has one shape: subject CN, SANs (DNS names and IP addresses), basicConstraints CA:FALSE
(critical), keyUsage (critical: digitalSignature, plus keyEncipherment for RSA keys and
keyAgreement for EC keys), serverAuth and clientAuth, and the subject and authority key
identifiers. The certificate is encoded by the library, never by hand.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
from typing import TYPE_CHECKING

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from gatekeeper.pki.keys import PrivateKey, signing_hash

if TYPE_CHECKING:
    from gatekeeper.pki.interface import CertificateRequest

SERVER_AND_CLIENT = [ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]


def leaf_certificate(
    *,
    issuer: x509.Certificate,
    aki: x509.AuthorityKeyIdentifier,
    signer: PrivateKey,
    key: PrivateKey,
    serial: int,
    request: CertificateRequest,
    not_before: dt.datetime,
    not_after: dt.datetime,
) -> bytes:
    """The PEM of a leaf for ``request`` with public key ``key``, signed by ``signer``."""
    sans: list[x509.GeneralName] = [x509.DNSName(n) for n in request.dns_names]
    sans += [x509.IPAddress(ipaddress.ip_address(i)) for i in request.ip_addresses]
    public = key.public_key()
    builder = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, request.common_name)]))
        .issuer_name(issuer.subject)
        .public_key(public)
        .serial_number(serial)
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.SubjectAlternativeName(sans), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=isinstance(key, rsa.RSAPrivateKey),
                data_encipherment=False,
                key_agreement=isinstance(key, ec.EllipticCurvePrivateKey),
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(
            x509.ExtendedKeyUsage(
                [ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]
            ),
            critical=False,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
        .add_extension(aki, critical=False)
    )
    return builder.sign(signer, signing_hash(signer)).public_bytes(serialization.Encoding.PEM)
