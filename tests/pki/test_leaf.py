"""Leaf certificates encoded from the template: byte for byte what the x509 builder makes."""

from __future__ import annotations

import datetime as dt
import ipaddress

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from gatekeeper.errors import ConfigError
from gatekeeper.pki import leaf
from gatekeeper.pki.keys import PrivateKey, generate_key, signing_hash

NOW = dt.datetime(2031, 5, 6, 7, 8, 9, tzinfo=dt.UTC)


def ca_cert(
    key: PrivateKey, *, not_after: dt.datetime, with_ski: bool = True, extensions: bool = True
) -> x509.Certificate:
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Acme"),
            x509.NameAttribute(NameOID.COMMON_NAME, "Acme Intermediate"),
        ]
    )
    builder = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(7)
        .not_valid_before(NOW - dt.timedelta(days=1))
        .not_valid_after(not_after)
    )
    if extensions:
        builder = builder.add_extension(x509.BasicConstraints(ca=True, path_length=0), True)
    if with_ski:
        builder = builder.add_extension(
            x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False
        )
    return builder.sign(key, signing_hash(key))


def builder_leaf(
    issuer: x509.Certificate,
    signer: PrivateKey,
    key: PrivateKey,
    serial: int,
    dns: list[str],
    ips: list[str],
    not_after: dt.datetime,
) -> x509.Certificate:
    """The certificate the local CA made with the x509 builder before the template."""
    sans: list[x509.GeneralName] = [x509.DNSName(n) for n in dns]
    sans += [x509.IPAddress(ipaddress.ip_address(i)) for i in ips]
    ski = issuer.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    return (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, dns[0])]))
        .issuer_name(issuer.subject)
        .public_key(key.public_key())
        .serial_number(serial)
        .not_valid_before(NOW)
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
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski), critical=False
        )
        .sign(signer, signing_hash(signer))
    )


@pytest.mark.parametrize("signer_type", ["ec", "rsa", "ed25519"])
@pytest.mark.parametrize("key_type", ["ec", "rsa", "ed25519"])
@pytest.mark.parametrize("until", [2049, 2050])  # UTCTime, then GeneralizedTime
def test_template_matches_the_builder(signer_type: str, key_type: str, until: int) -> None:
    signer = generate_key(signer_type)  # type: ignore[arg-type]
    key = generate_key(key_type)  # type: ignore[arg-type]
    not_after = dt.datetime(until, 1, 2, 3, 4, 5, tzinfo=dt.UTC)
    issuer_cert = ca_cert(signer, not_after=dt.datetime(2060, 1, 1, tzinfo=dt.UTC))
    issuer = leaf.Issuer.from_pem(issuer_cert.public_bytes(serialization.Encoding.PEM), "ca.pem")
    assert issuer.not_after == issuer_cert.not_valid_after_utc
    dns = ["svc.internal", "*.svc.internal", "a" * 63 + ".internal"] * 3  # long: 2-byte lengths
    ips = ["10.0.0.1", "::1"]
    serial = (1 << 158) + 12345
    pem = leaf.leaf_certificate(
        issuer=issuer,
        signer=signer,
        key=key,
        key_type=key_type,
        serial=serial,
        common_name=dns[0],
        dns_names=dns,
        ip_addresses=ips,
        not_before=NOW,
        not_after=not_after,
    )
    cert = x509.load_pem_x509_certificate(pem)  # a strict DER parser
    expected = builder_leaf(issuer_cert, signer, key, serial, dns, ips, not_after)
    assert cert.tbs_certificate_bytes == expected.tbs_certificate_bytes
    assert cert.signature_algorithm_oid == expected.signature_algorithm_oid
    cert.verify_directly_issued_by(issuer_cert)
    assert pem.endswith(b"-----END CERTIFICATE-----\n")
    assert max(len(line) for line in pem.split(b"\n")) == 64


def test_times_and_integers() -> None:
    assert leaf.der_time(dt.datetime(1949, 12, 31, tzinfo=dt.UTC))[0] == leaf.GENERALIZED_TIME
    assert leaf.der_time(dt.datetime(1950, 1, 1, tzinfo=dt.UTC))[0] == leaf.UTC_TIME
    assert leaf.der_int(0) == b"\x02\x01\x00"
    assert leaf.der_int(128) == b"\x02\x02\x00\x80"
    assert leaf.tlv(0x04, b"x" * 300)[:4] == b"\x04\x82\x01\x2c"


def test_parse_time() -> None:
    assert leaf.parse_time(leaf.UTC_TIME, b"491231235959Z") == dt.datetime(
        2049, 12, 31, 23, 59, 59, tzinfo=dt.UTC
    )
    assert leaf.parse_time(leaf.UTC_TIME, b"500101000000Z").year == 1950
    assert leaf.parse_time(leaf.GENERALIZED_TIME, b"20700101000000Z").year == 2070
    for tag, bad in [
        (leaf.UTC_TIME, b"4912312359Z"),
        (leaf.UTC_TIME, b"49123123595xZ"),
        (leaf.UTC_TIME, b"4912312359590"),
        (leaf.GENERALIZED_TIME, b"491231235959Z"),
    ]:
        with pytest.raises(ValueError, match="not a DER time"):
            leaf.parse_time(tag, bad)


def test_issuer_generalized_time_and_bad_input() -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    far = ca_cert(key, not_after=dt.datetime(2070, 1, 1, tzinfo=dt.UTC))
    issuer = leaf.Issuer.from_pem(far.public_bytes(serialization.Encoding.PEM), "x")
    assert issuer.not_after == dt.datetime(2070, 1, 1, tzinfo=dt.UTC)
    for junk in (b"", b"-----BEGIN CERTIFICATE-----\n!!!\n-----END CERTIFICATE-----\n"):
        with pytest.raises(ConfigError, match="not a valid PEM certificate"):
            leaf.Issuer.from_pem(junk, "x")
    no_ski = ca_cert(key, not_after=NOW, with_ski=False)
    bare = ca_cert(key, not_after=NOW, with_ski=False, extensions=False)
    for cert in (no_ski, bare):
        with pytest.raises(ConfigError, match="no subject key identifier"):
            leaf.Issuer.from_pem(cert.public_bytes(serialization.Encoding.PEM), "x")
