"""Build root CA bundles (certificate + key PEM) for the import tests, good ones and bad ones."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed25519, rsa
from cryptography.x509.oid import NameOID

Key = ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey | dsa.DSAPrivateKey


def new_key(kind: str = "ec") -> Key:
    if kind == "rsa":
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)
    if kind == "ed25519":
        return ed25519.Ed25519PrivateKey.generate()
    if kind == "dsa":
        return dsa.generate_private_key(2048)
    return ec.generate_private_key(ec.SECP384R1())


def usage(cert_sign: bool = True) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=True,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=cert_sign,
        crl_sign=True,
        encipher_only=False,
        decipher_only=False,
    )


@dataclass(frozen=True)
class Root:
    key: Key
    cert: x509.Certificate

    @property
    def cert_pem(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.PEM)

    def key_pem(self, passphrase: bytes | None = None, traditional: bool = False) -> bytes:
        fmt = (
            serialization.PrivateFormat.TraditionalOpenSSL
            if traditional
            else serialization.PrivateFormat.PKCS8
        )
        enc: serialization.KeySerializationEncryption = (
            serialization.BestAvailableEncryption(passphrase)
            if passphrase
            else serialization.NoEncryption()
        )
        return self.key.private_bytes(serialization.Encoding.PEM, fmt, enc)

    def bundle(self, passphrase: bytes | None = None, traditional: bool = False) -> bytes:
        return self.cert_pem + self.key_pem(passphrase, traditional)


def make_root(
    name: str = "Imported Root CA",
    kind: str = "ec",
    *,
    days: float = 365,
    start_days: float = -1,
    ca: bool | None = True,
    path_length: int | None = None,
    key_usage: x509.KeyUsage | None = None,
    issuer: str | None = None,
    signer: Key | None = None,
) -> Root:
    """A root CA certificate; the keyword arguments make the ways it can be wrong."""
    key = new_key(kind)
    now = dt.datetime.now(dt.UTC)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer or name)]))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now + dt.timedelta(days=start_days))
        .not_valid_after(now + dt.timedelta(days=days))
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
    )
    if ca is not None:
        builder = builder.add_extension(
            x509.BasicConstraints(ca=ca, path_length=path_length), critical=True
        )
    if key_usage is not None:
        builder = builder.add_extension(key_usage, critical=True)
    sign_with = signer or key
    digest = None if isinstance(sign_with, ed25519.Ed25519PrivateKey) else hashes.SHA256()
    return Root(key, builder.sign(sign_with, digest))


def good_root(name: str = "Imported Root CA", kind: str = "ec", days: float = 365) -> Root:
    return make_root(name, kind, days=days, key_usage=usage())
