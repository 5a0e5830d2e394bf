"""The certificate directory of a repository: ``<dir>/SERVICE/{key,cert,chain,fullchain}.pem``
and ``<dir>/ca.pem``, the trust bundle clients load.

Every service directory is replaced as a whole (see :func:`gatekeeper.pki.fs.commit_dirs`):
``key.pem`` is 0600 from its first byte, and readers never see a new key with an old cert.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from gatekeeper.errors import CertificateError
from gatekeeper.pki.fs import atomic_write, commit_dirs, stage_dir
from gatekeeper.pki.interface import IssuedCertificate

KEY, CERT, CHAIN, FULLCHAIN = "key.pem", "cert.pem", "chain.pem", "fullchain.pem"
CA_BUNDLE = "ca.pem"
CRL = "crl.pem"
_SERVICE = re.compile(r"^[a-z0-9](?:[a-z0-9_-]{0,61}[a-z0-9])?$")


def check_service_name(service: str) -> str:
    """Service names become directory names: no paths, no dots, no surprises."""
    if not _SERVICE.match(service):
        raise CertificateError(
            f"invalid service name {service!r}",
            hint="use lowercase letters, digits, '-' and '_' (at most 63)",
        )
    return service


@dataclass(frozen=True)
class CertStore:
    """The certificate directory ``root / policy.certs.dir``."""

    path: Path

    def service_dir(self, service: str) -> Path:
        return self.path / check_service_name(service)

    def services(self) -> list[str]:
        """Services that have a certificate, sorted."""
        if not self.path.is_dir():
            return []
        return sorted(
            p.parent.name for p in self.path.glob(f"*/{CERT}") if _SERVICE.match(p.parent.name)
        )

    def stage(self, service: str, issued: IssuedCertificate) -> tuple[Path, Path]:
        """Write a service's files to a staging directory: (staging, target) for ``commit``."""
        target = self.service_dir(service)
        self.path.mkdir(parents=True, exist_ok=True)
        files = {
            KEY: (issued.private_key_pem, 0o600),
            CERT: (issued.certificate_pem, 0o644),
            CHAIN: (issued.chain_pem, 0o644),
            FULLCHAIN: (issued.fullchain_pem, 0o644),
        }
        return stage_dir(files, target), target

    def commit(self, staged: Sequence[tuple[Path, Path]]) -> None:
        """Make staged directories durable and swap each in for its service's directory."""
        commit_dirs(staged)

    def write_service(self, service: str, issued: IssuedCertificate) -> Path:
        staged = self.stage(service, issued)
        self.commit([staged])
        return staged[1]

    def write_bundle(self, ca_pem: bytes) -> Path:
        """Write ``ca.pem`` unless it already holds exactly these bytes."""
        self.path.mkdir(parents=True, exist_ok=True)
        path = self.path / CA_BUNDLE
        if not path.is_file() or path.read_bytes() != ca_pem:
            atomic_write(path, ca_pem)
        return path

    def write_crl(self, crl_pem: bytes) -> Path:
        self.path.mkdir(parents=True, exist_ok=True)
        path = self.path / CRL
        atomic_write(path, crl_pem)
        return path

    def read(self, service: str, name: str) -> bytes:
        path = self.service_dir(service) / name
        try:
            return path.read_bytes()
        except FileNotFoundError:
            raise CertificateError(
                f"no certificate for service {service!r}",
                path=path,
                hint=f"run `gatekeeper certs issue {service}`",
            ) from None
