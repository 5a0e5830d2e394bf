"""Private keys: generate per key type, serialize to PEM, load (optionally encrypted)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

from gatekeeper.errors import ConfigError
from gatekeeper.fsutil import read_bounded

if TYPE_CHECKING:
    from pathlib import Path

    from cryptography.hazmat.primitives.asymmetric.types import CertificateIssuerPrivateKeyTypes

    from gatekeeper.pki.interface import KeyType

PrivateKey = ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey


def generate_key(key_type: KeyType) -> PrivateKey:
    """EC P-256, RSA-2048 or Ed25519."""
    if key_type == "ec":
        return ec.generate_private_key(ec.SECP256R1())
    if key_type == "rsa":
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return ed25519.Ed25519PrivateKey.generate()


def key_to_pem(key: PrivateKey, passphrase: bytes | None = None) -> bytes:
    """PKCS#8 PEM, encrypted with the best available scheme when a passphrase is given."""
    encryption: serialization.KeySerializationEncryption = (
        serialization.BestAvailableEncryption(passphrase)
        if passphrase
        else serialization.NoEncryption()
    )
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption
    )


def signing_hash(key: CertificateIssuerPrivateKeyTypes) -> hashes.SHA256 | None:
    """The digest to sign with: none for Ed25519 (it hashes internally)."""
    return None if isinstance(key, ed25519.Ed25519PrivateKey) else hashes.SHA256()


def load_ca_key(path: Path, passphrase: bytes | None) -> PrivateKey:
    """Load a CA key; a missing or wrong passphrase is a ConfigError naming only the file."""
    return read_ca_key(path, passphrase)[0]


def read_ca_key(path: Path, passphrase: bytes | None) -> tuple[PrivateKey, bool]:
    """:func:`load_ca_key`, and whether the file was encrypted (one bounded read of it)."""
    try:
        data = read_bounded(path)
    except OSError as exc:
        raise ConfigError(f"cannot read the CA key: {exc.strerror}", path=path) from None
    encrypted = b"ENCRYPTED" in data.split(b"\n", 1)[0]
    if encrypted and not passphrase:
        raise ConfigError(
            "the CA key is encrypted but GATEKEEPER_CA_PASSPHRASE is not set", path=path
        )
    try:
        key = serialization.load_pem_private_key(data, passphrase if encrypted else None)
    except ValueError:
        raise ConfigError(
            "cannot decrypt the CA key: wrong GATEKEEPER_CA_PASSPHRASE or a corrupt key file",
            path=path,
        ) from None
    if not isinstance(
        key, ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey
    ):
        raise ConfigError("unsupported CA key type", path=path)
    return key, encrypted
