"""The one interface both CA backends implement; the commands never ask which one is in use.

Errors (all from :mod:`gatekeeper.errors`, re-exported here):

- :class:`CertificateError` (exit 2): a request outside the role or policy, an unknown serial;
- :class:`ConfigError` (exit 2): the CA is not set up, a wrong passphrase, bad settings;
- :class:`BackendUnavailable` (exit 3): Vault unreachable or sealed after bounded retries;
- :class:`AuthenticationError` (exit 3): 403, an expired or revoked token.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import TracebackType
from typing import TYPE_CHECKING, ClassVar, Literal, Self

from gatekeeper.errors import (
    AuthenticationError,
    BackendUnavailable,
    CertificateError,
    ConfigError,
)

if TYPE_CHECKING:
    from gatekeeper.policy.model import CertsCA, CertsRole

__all__ = [
    "AuthenticationError",
    "BackendUnavailable",
    "CertificateAuthority",
    "CertificateError",
    "CertificateRequest",
    "ConfigError",
    "InitResult",
    "IssuedCertificate",
    "KeyType",
    "RootBundle",
]

KeyType = Literal["ec", "rsa", "ed25519"]


@dataclass(frozen=True)
class CertificateRequest:
    """A validated request: the names are already checked against the role."""

    common_name: str
    dns_names: tuple[str, ...]
    ip_addresses: tuple[str, ...]
    ttl_seconds: int
    key_type: KeyType
    role: str
    #: Short-lived certificate the CA does not record (it cannot be revoked by serial).
    no_store: bool = False


@dataclass(frozen=True)
class IssuedCertificate:
    """A new key pair and its certificate, PEM encoded. The key never appears in ``repr``."""

    private_key_pem: bytes = field(repr=False)
    certificate_pem: bytes
    #: The intermediates, the leaf's issuer first (not the root).
    chain_pem: bytes
    #: The trust bundle: the root certificate(s) clients load.
    ca_pem: bytes
    #: Colon-separated lowercase hex, as Vault prints it.
    serial: str

    @property
    def fullchain_pem(self) -> bytes:
        return self.certificate_pem + self.chain_pem


@dataclass(frozen=True)
class RootBundle:
    """An existing root CA to import, already checked (see :mod:`gatekeeper.pki.rootbundle`).

    The key is unencrypted PKCS#8 PEM and never appears in ``repr``.
    """

    certificate_pem: bytes
    private_key_pem: bytes = field(repr=False)
    #: RFC 4514 subject, for messages.
    subject: str
    #: SHA-256 of the certificate, colon-separated hex.
    fingerprint: str
    #: The file it was read from, for messages.
    source: str


@dataclass(frozen=True)
class InitResult:
    """What ``init`` did; empty ``actions`` means nothing changed (idempotent re-run)."""

    actions: tuple[str, ...]
    backend: str
    location: str

    @property
    def changed(self) -> bool:
        return bool(self.actions)


class CertificateAuthority(ABC):
    """A CA that issues and revokes leaf certificates. Use as a context manager."""

    backend: ClassVar[str]
    #: Requests ``issue_many`` keeps in flight at once: a CA behind a network round trip gains
    #: from several, one that signs in-process (holding the GIL) does not.
    workers: ClassVar[int] = 1

    @abstractmethod
    def init(
        self, ca: CertsCA, roles: Mapping[str, CertsRole], root: RootBundle | None = None
    ) -> InitResult:
        """Create the root and intermediate CA and the roles; change nothing when they exist.

        With ``root``, import that root instead of generating one. When the CA already has a
        root, the same one changes nothing and a different one is a :class:`ConfigError`:
        a root is never replaced.
        """

    @abstractmethod
    def issue(self, request: CertificateRequest) -> IssuedCertificate:
        """Generate a key pair and a certificate for ``request``."""

    def issue_threads(self, requests: Sequence[CertificateRequest]) -> int:
        """Threads worth issuing ``requests`` on when :attr:`workers` is 1 (in-process signing):
        more than one only when the work releases the GIL."""
        return 1

    @abstractmethod
    def revoke(self, serial: str) -> None:
        """Revoke the certificate with this serial; the CRL lists it afterwards."""

    @abstractmethod
    def crl_pem(self) -> bytes:
        """The issuing CA's current certificate revocation list, PEM encoded."""

    @abstractmethod
    def trust_bundle(self) -> bytes:
        """The root certificate(s), PEM encoded."""

    def close(self) -> None:  # noqa: B027 - optional hook, most backends hold nothing
        """Release connections."""

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def normalize_serial(serial: str) -> str:
    """``6BAC66…``, ``6b:ac:66…`` or ``6b-ac-66…`` → ``6b:ac:66…`` (Vault's format)."""
    digits = serial.strip().lower().replace(":", "").replace("-", "")
    if not digits or any(c not in "0123456789abcdef" for c in digits):
        raise CertificateError(f"invalid serial number {serial!r}: expected hex digits")
    value = int(digits, 16)
    return serial_from_int(value)


def serial_from_int(value: int) -> str:
    text = format(value, "x")
    if len(text) % 2:
        text = "0" + text
    return ":".join(text[i : i + 2] for i in range(0, len(text), 2))
