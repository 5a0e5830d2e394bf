"""The built-in CA: a root and an intermediate on disk, signing with ``cryptography``.

State directory (``GATEKEEPER_CA_DIR``, mode 0700)::

    root.key.pem  root.pem                    the root (generated or imported); only ``init``
                                              loads its key
    intermediate.key.pem  intermediate.pem    signs every leaf certificate and the CRL
    index.tsv                                 issued serials (unless the role is no_store)
    revoked.tsv  crl.pem                      revoked serials and the current CRL

Keys are PKCS#8, encrypted with ``GATEKEEPER_CA_PASSPHRASE`` when it is set, else stored 0600
with a loud warning on stderr.
"""

from __future__ import annotations

import datetime as dt
import errno
import os
import stat
import sys
import threading
from collections.abc import Callable, Mapping, Sequence
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple, cast

from cryptography.hazmat.primitives import serialization

from gatekeeper.duration import parse_duration
from gatekeeper.errors import CertificateError, ConfigError
from gatekeeper.fsutil import atomic_write, read_bounded, write_all
from gatekeeper.pki.interface import (
    CertificateAuthority,
    CertificateRequest,
    InitResult,
    IssuedCertificate,
    RootBundle,
    normalize_serial,
    serial_from_int,
)
from gatekeeper.pki.keys import PrivateKey, generate_key, key_to_pem, read_ca_key, signing_hash
from gatekeeper.pki.leaf import leaf_certificate

if TYPE_CHECKING:
    from cryptography import x509
    from cryptography.hazmat.primitives.asymmetric.types import (
        CertificateIssuerPrivateKeyTypes,
        CertificateIssuerPublicKeyTypes,
    )

    from gatekeeper.pki.settings import LocalSettings
    from gatekeeper.policy.model import CertsCA, CertsRole

ROOT_KEY, ROOT_CERT = "root.key.pem", "root.pem"
INT_KEY, INT_CERT = "intermediate.key.pem", "intermediate.pem"
INDEX, REVOKED, CRL = "index.tsv", "revoked.tsv", "crl.pem"
#: How long a CRL is valid; ``crl_pem`` always signs a fresh one.
CRL_LIFETIME = dt.timedelta(days=7)
#: Leaves start a little in the past so clocks that lag do not reject them.
BACKDATE = dt.timedelta(seconds=30)
#: ``index.tsv`` grows by one line (about 100 bytes) a certificate: room for over half a million.
MAX_TABLE_BYTES = 64 << 20

UNENCRYPTED_WARNING = (
    "WARNING: the local CA private keys in {dir} are NOT encrypted. They are protected only by "
    "file mode 0600. Set GATEKEEPER_CA_PASSPHRASE to encrypt them at rest."
)


def _stderr(message: str) -> None:
    print(message, file=sys.stderr)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class _Issuer(NamedTuple):
    """What issuing needs of the intermediate CA, loaded once per run."""

    key: PrivateKey
    cert: x509.Certificate
    key_id: x509.AuthorityKeyIdentifier
    pem: bytes
    root_pem: bytes


class LocalCA(CertificateAuthority):
    backend = "local"

    def __init__(self, settings: LocalSettings, warn: Callable[[str], None] = _stderr) -> None:
        self.dir = settings.ca_dir
        secret = settings.passphrase
        self._passphrase = secret.get_secret_value().encode() if secret else None
        self._warn = warn
        self._warned = False
        self._lock = threading.Lock()
        self._index_fd: int | None = None

    # ------------------------------------------------------------------ helpers
    def _path(self, name: str) -> Path:
        return self.dir / name

    def _warn_unencrypted(self) -> None:
        if self._passphrase is None and not self._warned:
            self._warned = True
            self._warn(UNENCRYPTED_WARNING.format(dir=self.dir))

    def _load_key(self, name: str) -> PrivateKey:
        path = self._path(name)
        if not path.is_file():
            raise ConfigError(
                "the local CA is not initialized", path=self.dir, hint="run `gatekeeper certs init`"
            )
        key, encrypted = read_ca_key(path, self._passphrase)
        if not encrypted:
            self._warn_unencrypted()
        return key

    def _read_cert(self, name: str) -> tuple[bytes, x509.Certificate]:
        """A CA certificate's PEM and the certificate; missing or damaged is a ConfigError."""
        from cryptography import x509

        path = self._path(name)
        try:
            pem = read_bounded(path)
        except FileNotFoundError:
            raise ConfigError(
                "the local CA is not initialized", path=self.dir, hint="run `gatekeeper certs init`"
            ) from None
        except OSError as exc:
            raise ConfigError(
                f"cannot read the CA certificate: {exc.strerror}", path=path
            ) from None
        try:
            return pem, x509.load_pem_x509_certificate(pem)
        except ValueError:
            raise ConfigError(
                "the CA certificate is not a valid PEM certificate", path=path
            ) from None

    def _load_cert(self, name: str) -> x509.Certificate:
        return self._read_cert(name)[1]

    def _write_key(self, name: str, key: PrivateKey) -> None:
        self._warn_unencrypted()
        atomic_write(self._path(name), key_to_pem(key, self._passphrase), 0o600)

    @cached_property
    def _issuer(self) -> _Issuer:
        pem, issuer = self._read_cert(INT_CERT)
        root_pem = self._read_cert(ROOT_CERT)[0]
        return _Issuer(self._load_key(INT_KEY), issuer, _aki(issuer), pem, root_pem)

    # ------------------------------------------------------------------ init
    def init(
        self, ca: CertsCA, roles: Mapping[str, CertsRole], root: RootBundle | None = None
    ) -> InitResult:
        actions: list[str] = []
        if root is not None and self._path(ROOT_CERT).exists():
            from gatekeeper.pki.rootbundle import refuse_other_root

            refuse_other_root(
                self._load_cert(ROOT_CERT).public_bytes(serialization.Encoding.PEM),
                root,
                f"the local CA in {self.dir}",
                "GATEKEEPER_CA_DIR",
            )
        if not self.dir.is_dir():
            self.dir.mkdir(parents=True, mode=0o700)
            actions.append(f"created {self.dir}")
        if (self.dir.stat().st_mode & 0o077) != 0:
            os.chmod(self.dir, 0o700)
            actions.append(f"restricted {self.dir} to mode 0700")
        has_root = self._path(ROOT_CERT).exists()
        if root is not None and not has_root:
            # load_root_bundle accepted only EC, RSA and Ed25519 keys
            imported = cast(
                PrivateKey, serialization.load_pem_private_key(root.private_key_pem, None)
            )
            self._write_key(ROOT_KEY, imported)
            atomic_write(self._path(ROOT_CERT), root.certificate_pem)
            actions.append(f"imported the root CA {root.subject} ({root.fingerprint})")
        elif not has_root:
            root_key = generate_key("ec")
            subject = _name(ca.root_common_name, ca.organization)
            root_cert = _ca_cert(
                subject, subject, root_key.public_key(), root_key, parse_duration(ca.root_ttl), 1
            )
            self._write_key(ROOT_KEY, root_key)
            atomic_write(self._path(ROOT_CERT), root_cert.public_bytes(serialization.Encoding.PEM))
            actions.append("generated the root CA")
        if not self._path(INT_CERT).exists():
            root_ca = self._load_cert(ROOT_CERT)
            root_signer = self._load_key(ROOT_KEY)
            int_key = generate_key("ec")
            ttl = parse_duration(ca.intermediate_ttl)
            cert = _ca_cert(
                _name(ca.intermediate_common_name, ca.organization),
                root_ca.subject,
                int_key.public_key(),
                root_signer,
                ttl,
                0,
                min(_now() + dt.timedelta(seconds=ttl), root_ca.not_valid_after_utc),
            )
            self._write_key(INT_KEY, int_key)
            atomic_write(self._path(INT_CERT), cert.public_bytes(serialization.Encoding.PEM))
            actions.append("generated and signed the intermediate CA")
        else:
            self._load_key(INT_KEY)  # fail now, not at the first issue, on a wrong passphrase
        if not self._path(CRL).exists():
            atomic_write(self._path(CRL), self.crl_pem())
            actions.append("published an empty CRL")
        return InitResult(tuple(actions), self.backend, str(self.dir))

    # ------------------------------------------------------------------ issue
    def issue(self, request: CertificateRequest) -> IssuedCertificate:
        from cryptography.x509 import random_serial_number

        issuer = self._issuer
        key = generate_key(request.key_type)
        now = _now()
        not_after = min(
            now + dt.timedelta(seconds=request.ttl_seconds), issuer.cert.not_valid_after_utc
        )
        serial = random_serial_number()
        certificate = leaf_certificate(
            issuer=issuer.cert,
            aki=issuer.key_id,
            signer=issuer.key,
            key=key,
            serial=serial,
            request=request,
            not_before=now - BACKDATE,
            not_after=not_after,
        )
        text = serial_from_int(serial)
        if not request.no_store:
            self._record(f"{text}\t{not_after.isoformat()}\t{request.common_name}\n")
        return IssuedCertificate(
            private_key_pem=key_to_pem(key),
            certificate_pem=certificate,
            chain_pem=issuer.pem,
            ca_pem=issuer.root_pem,
            serial=text,
        )

    def issue_threads(self, requests: Sequence[CertificateRequest]) -> int:
        """RSA key generation (tens of ms a key) releases the GIL and scales with cores; EC and
        Ed25519 keys take microseconds under the GIL, where threads only add hand-offs."""
        if any(request.key_type == "rsa" for request in requests):
            return os.cpu_count() or 1
        return 1

    def _record(self, line: str) -> None:
        """Append to the index before the certificate is written anywhere (one ``write`` on a
        descriptor kept open until :meth:`close`; ``O_APPEND`` keeps concurrent runs whole)."""
        with self._lock:
            if self._index_fd is None:
                self._index_fd = _open_append(self._path(INDEX))
            _append(self._index_fd, self._path(INDEX), line.encode("utf-8"))

    def close(self) -> None:
        with self._lock:
            if self._index_fd is not None:
                os.close(self._index_fd)
                self._index_fd = None

    # ------------------------------------------------------------------ revoke / CRL
    def _serials(self, name: str) -> dict[str, str]:
        """Serial → second column (expiry or revocation time) of ``index.tsv``, ``revoked.tsv``."""
        path = self._path(name)
        try:
            text = read_bounded(path, MAX_TABLE_BYTES).decode("utf-8")
        except FileNotFoundError:
            return {}
        except OSError as exc:
            raise ConfigError(f"cannot read it: {exc.strerror}", path=path) from None
        except UnicodeDecodeError:
            raise ConfigError("cannot read it: not UTF-8", path=path) from None
        serials: dict[str, str] = {}
        for number, line in enumerate(text.splitlines(), 1):
            serial, _, rest = line.partition("\t")
            when = rest.partition("\t")[0]
            try:
                if serial != normalize_serial(serial):
                    raise ValueError
                dt.datetime.fromisoformat(when)
            except (CertificateError, ValueError):
                raise ConfigError(
                    "malformed line: expected a serial and a time separated by a tab",
                    path=path,
                    line=number,
                ) from None
            serials[serial] = when
        return serials

    def revoke(self, serial: str) -> None:
        wanted = normalize_serial(serial)
        self._issuer  # noqa: B018 - fail with "not initialized" before looking at serials
        if wanted not in self._serials(INDEX):
            raise CertificateError(
                f"certificate with serial {wanted} not found in the local CA",
                hint="certificates of no_store roles cannot be revoked by serial",
            )
        with self._lock:
            if wanted not in self._serials(REVOKED):
                fd = _open_append(self._path(REVOKED))
                try:
                    _append(fd, self._path(REVOKED), f"{wanted}\t{_now().isoformat()}\n".encode())
                finally:
                    os.close(fd)
            atomic_write(self._path(CRL), self.crl_pem())

    def crl_pem(self) -> bytes:
        from cryptography import x509

        signer, issuer = self._issuer.key, self._issuer.cert
        now = _now()
        builder = (
            x509.CertificateRevocationListBuilder()
            .issuer_name(issuer.subject)
            .last_update(now)
            .next_update(now + CRL_LIFETIME)
            .add_extension(x509.CRLNumber(int(now.timestamp() * 1000)), critical=False)
            .add_extension(_aki(issuer), critical=False)
        )
        for serial, when in self._serials(REVOKED).items():
            builder = builder.add_revoked_certificate(
                x509.RevokedCertificateBuilder()
                .serial_number(int(serial.replace(":", ""), 16))
                .revocation_date(dt.datetime.fromisoformat(when))
                .build()
            )
        crl = builder.sign(signer, signing_hash(signer))
        return crl.public_bytes(serialization.Encoding.PEM)

    def trust_bundle(self) -> bytes:
        return self._issuer.root_pem


def _open_append(path: Path) -> int:
    """A descriptor appending to the regular file ``path`` (created 0644); a FIFO, device or
    directory there is a ConfigError naming it, without blocking on a FIFO."""
    flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC | os.O_NONBLOCK
    try:
        fd = os.open(path, flags, 0o644)
    except OSError as exc:
        # ENXIO: a FIFO without a reader (O_NONBLOCK makes that an error instead of a wait)
        reason = "not a regular file" if exc.errno == errno.ENXIO else exc.strerror
        raise ConfigError(f"cannot write it: {reason}", path=path) from None
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise ConfigError("cannot write it: not a regular file", path=path)
    return fd


def _append(fd: int, path: Path, data: bytes) -> None:
    """Append ``data`` to the table open at ``fd``; a failed write (a full disk) is a
    ConfigError naming the table, never a crash."""
    try:
        write_all(fd, data)
    except OSError as exc:
        raise ConfigError(f"cannot write it: {exc.strerror or exc}", path=path) from None


def _name(common_name: str, organization: str) -> x509.Name:
    from cryptography import x509
    from cryptography.x509.oid import NameOID

    return x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _aki(issuer: x509.Certificate) -> x509.AuthorityKeyIdentifier:
    from cryptography import x509

    ski = issuer.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    return x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski)


def _ca_cert(
    subject: x509.Name,
    issuer: x509.Name,
    public_key: CertificateIssuerPublicKeyTypes,
    signer: CertificateIssuerPrivateKeyTypes,
    ttl: int,
    path_length: int,
    not_after: dt.datetime | None = None,
) -> x509.Certificate:
    from cryptography import x509

    now = _now()
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - BACKDATE)
        .not_valid_after(not_after or now + dt.timedelta(seconds=ttl))
        .add_extension(x509.BasicConstraints(ca=True, path_length=path_length), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
    )
    if issuer != subject:
        builder = builder.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(signer.public_key()),
            critical=False,
        )
    return builder.sign(signer, signing_hash(signer))
