"""Read and check an existing root CA to import: one PEM file with the certificate and its key.

The key may be encrypted (PKCS#8 or traditional OpenSSL PEM); the passphrase comes from the
environment (``GATEKEEPER_IMPORT_PASSPHRASE``), never from the command line. Every problem is a
:class:`~gatekeeper.errors.CertificateError` (exit 2) naming the file, never the key material.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

from gatekeeper.errors import CertificateError, ConfigError
from gatekeeper.fsutil import read_bounded
from gatekeeper.pki.interface import RootBundle
from gatekeeper.pki.keys import key_to_pem

#: The variable that holds the passphrase of an encrypted key in the bundle.
PASSPHRASE_VAR = "GATEKEEPER_IMPORT_PASSPHRASE"  # noqa: S105  # nosec B105 - a variable name

_BLOCK = re.compile(rb"-----BEGIN ([A-Z0-9 ]+)-----\r?\n.*?-----END \1-----\r?\n?", re.DOTALL)
_KEY_LABELS = {b"PRIVATE KEY", b"ENCRYPTED PRIVATE KEY", b"EC PRIVATE KEY", b"RSA PRIVATE KEY"}


def _fail(path: Path, message: str) -> CertificateError:
    return CertificateError(
        f"cannot import the root CA: {message}",
        path=path,
        hint="--import-root expects a PEM file with the root CA certificate and its private key",
    )


def load_root_bundle(
    path: Path, passphrase: bytes | None = None, now: dt.datetime | None = None
) -> RootBundle:
    """Load ``path`` and check it is a usable root CA: a CA certificate (basicConstraints
    CA=true that allows an intermediate, keyCertSign), self-signed, valid now, and its key."""
    try:
        data = read_bounded(path)
    except OSError as exc:
        raise _fail(path, f"cannot read the file: {exc.strerror}") from None
    blocks = [(m.group(1), m.group(0)) for m in _BLOCK.finditer(data)]
    certs = [block for label, block in blocks if label == b"CERTIFICATE"]
    keys = [block for label, block in blocks if label in _KEY_LABELS]
    if len(certs) != 1:
        raise _fail(path, f"expected exactly one PEM certificate, found {len(certs)}")
    if len(keys) != 1:
        raise _fail(path, f"expected exactly one PEM private key, found {len(keys)}")
    try:
        cert = x509.load_pem_x509_certificate(certs[0])
    except ValueError:
        raise _fail(path, "the certificate is not a valid PEM certificate") from None
    key = _load_key(path, keys[0], passphrase)
    _check_ca(path, cert)
    moment = now or dt.datetime.now(dt.UTC)
    if cert.not_valid_after_utc <= moment:
        raise _fail(path, f"the certificate expired on {cert.not_valid_after_utc:%Y-%m-%d}")
    if cert.not_valid_before_utc > moment:
        raise _fail(path, f"the certificate is not valid before {cert.not_valid_before_utc}")
    public = serialization.PublicFormat.SubjectPublicKeyInfo
    encoding = serialization.Encoding.DER
    if key.public_key().public_bytes(encoding, public) != cert.public_key().public_bytes(
        encoding, public
    ):
        raise _fail(path, "the private key does not match the certificate")
    cert_pem = cert.public_bytes(serialization.Encoding.PEM)
    return RootBundle(
        certificate_pem=cert_pem,
        private_key_pem=key_to_pem(key),
        subject=cert.subject.rfc4514_string(),
        fingerprint=fingerprint(cert_pem),
        source=str(path),
    )


def _load_key(
    path: Path, block: bytes, passphrase: bytes | None
) -> ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey:
    encrypted = b"ENCRYPTED" in block
    if encrypted and not passphrase:
        raise _fail(path, f"the private key is encrypted but {PASSPHRASE_VAR} is not set")
    try:
        key = serialization.load_pem_private_key(block, passphrase if encrypted else None)
    except (ValueError, TypeError):
        raise _fail(
            path, f"cannot load the private key: wrong {PASSPHRASE_VAR} or a corrupt key"
        ) from None
    if not isinstance(
        key, ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey
    ):
        raise _fail(path, "unsupported key type (use EC, RSA or Ed25519)")
    return key


def _check_ca(path: Path, cert: x509.Certificate) -> None:
    try:
        basic = cert.extensions.get_extension_for_class(x509.BasicConstraints).value
    except x509.ExtensionNotFound:
        basic = None
    if basic is None or not basic.ca:
        raise _fail(path, "not a CA certificate (basicConstraints CA=true is missing)")
    if basic.path_length == 0:
        raise _fail(path, "its pathLenConstraint is 0, so it cannot sign an intermediate CA")
    try:
        usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        usage = None
    if usage is None or not usage.key_cert_sign:
        raise _fail(path, "not a CA certificate (keyUsage keyCertSign is missing)")
    try:
        cert.verify_directly_issued_by(cert)
    except (ValueError, TypeError, InvalidSignature):
        raise _fail(path, "not a root CA: the certificate is not self-signed") from None


def fingerprint(cert_pem: bytes) -> str:
    """SHA-256 of the DER certificate, colon-separated upper-case hex (as openssl prints it)."""
    der = x509.load_pem_x509_certificate(cert_pem).public_bytes(serialization.Encoding.DER)
    digest = hashlib.sha256(der).hexdigest().upper()
    return ":".join(digest[i : i + 2] for i in range(0, len(digest), 2))


def refuse_other_root(existing_pem: bytes, root: RootBundle, where: str, setting: str) -> None:
    """Raise :class:`ConfigError` unless ``existing_pem`` is the root being imported: a root
    is never replaced (re-importing the same one is a no-op)."""
    existing = fingerprint(existing_pem)
    if existing != root.fingerprint:
        raise ConfigError(
            f"{where} already has a different root CA (SHA-256 {existing}); refusing to replace "
            f"it with the one in {root.source} (SHA-256 {root.fingerprint})",
            hint=f"a root CA is never replaced: to use this one, point {setting} elsewhere",
        )
