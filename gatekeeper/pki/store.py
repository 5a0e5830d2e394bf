"""The certificate directory of a repository: ``<dir>/SERVICE/{key,cert,chain,fullchain}.pem``
and ``<dir>/ca.pem``, the trust bundle clients load.

Every service directory is replaced as a whole (see :func:`gatekeeper.pki.fs.commit_dirs`):
``key.pem`` is 0600 from its first byte, and readers never see a new key with an old cert.

``chain.pem`` is the same intermediate for every service, so it is one file,
``<dir>/.chain-<digest>.pem``, hard-linked into each service directory: one inode instead of
one per service. It is named by its content and never modified in place (a new intermediate is
a new file; one no service links to any more is deleted), so a reader holding an old directory
still sees that directory's own chain. Where hard links are not possible, each directory gets a
copy. A tool that edits one ``chain.pem`` in place edits them all: replace it instead.
"""

from __future__ import annotations

import hashlib
import os
import stat
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from gatekeeper.errors import CertificateError
from gatekeeper.fsutil import atomic_write, read_bounded
from gatekeeper.names import SERVICE_NAME
from gatekeeper.pki.fs import commit_dirs, in_parallel, stage_dir
from gatekeeper.pki.interface import IssuedCertificate

KEY, CERT, CHAIN, FULLCHAIN = "key.pem", "cert.pem", "chain.pem", "fullchain.pem"
FILES = (KEY, CERT, CHAIN, FULLCHAIN)
CA_BUNDLE = "ca.pem"
CRL = "crl.pem"
#: Prefix of the shared chain files (``.chain-<digest>.pem``).
SHARED_CHAIN = ".chain-"


def _holds(path: Path, data: bytes) -> bool:
    """Whether ``path`` is a regular 0644 file (not a symlink) holding exactly ``data``."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
    except OSError:  # missing, or a symlink (ELOOP)
        return False
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode) or stat.S_IMODE(st.st_mode) != 0o644:
            return False
        return st.st_size == len(data) and os.read(fd, len(data) + 1) == data
    finally:
        os.close(fd)


def certs_dir(root: Path, configured: str) -> Path:
    """``root / configured`` (the policy's ``certs.dir``), refused unless it is a real directory
    inside the repository (or not there yet): private keys are written into it, and a symlink or
    a ``..`` would put them wherever it points, without a word."""
    path = root / configured
    if path.is_symlink():
        raise CertificateError(
            f"the certificate directory is a symlink (to {os.readlink(path)}): private keys "
            "would be written where it points",
            path=path,
            hint="make certs.dir a real directory inside the repository",
        )
    resolved = path.resolve()
    if not resolved.is_relative_to(root.resolve()):
        raise CertificateError(
            f"the certificate directory resolves outside the repository (to {resolved})",
            path=path,
            hint="set certs.dir to a directory inside the repository",
        )
    return path


def check_service_name(service: str) -> str:
    """Service names become directory names: no paths, no dots, no surprises."""
    if not SERVICE_NAME.fullmatch(service):
        raise CertificateError(
            f"invalid service name {service!r}",
            hint="use lowercase letters, digits, '-' and '_' (at most 63)",
        )
    return service


@dataclass(frozen=True)
class CertStore:
    """The certificate directory ``root / policy.certs.dir``."""

    path: Path
    #: chain PEM → its shared file, once written or checked in this process.
    _chains: dict[bytes, Path] = field(default_factory=dict, compare=False, repr=False)
    _chains_lock: threading.Lock = field(default_factory=threading.Lock, compare=False, repr=False)

    def service_dir(self, service: str) -> Path:
        return self.path / check_service_name(service)

    def services(self) -> list[str]:
        """Services that have a certificate, sorted."""
        if not self.path.is_dir():
            return []
        return sorted(
            p.parent.name
            for p in self.path.glob(f"*/{CERT}")
            if SERVICE_NAME.fullmatch(p.parent.name)
        )

    def _writable(self) -> None:
        """Create the directory if needed; an unwritable one is an input error naming it."""
        try:
            self.path.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise CertificateError(
                f"cannot create the certificate directory: {exc.strerror}", path=self.path
            ) from None
        if not os.access(self.path, os.W_OK | os.X_OK):
            raise CertificateError(
                "the certificate directory is not writable",
                path=self.path,
                hint="give this user write access to it, or set certs.dir",
            )

    def stage(self, service: str, issued: IssuedCertificate) -> tuple[Path, Path]:
        """Write a service's files to a staging directory: (staging, target) for ``commit``."""
        self._writable()
        return self._stage(service, issued)

    def _stage(self, service: str, issued: IssuedCertificate) -> tuple[Path, Path]:
        target = self.service_dir(service)
        files = {
            KEY: (issued.private_key_pem, 0o600),
            CERT: (issued.certificate_pem, 0o644),
            FULLCHAIN: (issued.fullchain_pem, 0o644),
        }
        chain = self._shared_chain(issued.chain_pem)
        if chain is None:
            files[CHAIN] = (issued.chain_pem, 0o644)
            return stage_dir(files, target), target
        return stage_dir(files, target, {CHAIN: (chain, issued.chain_pem, 0o644)}), target

    def stage_many(
        self, items: Sequence[tuple[str, IssuedCertificate]], threads: int = 1
    ) -> tuple[list[tuple[Path, Path] | None], BaseException | None]:
        """:meth:`stage` every item on up to ``threads`` threads; see :func:`in_parallel`."""
        self._writable()
        return in_parallel(lambda item: self._stage(*item), items, threads)

    def _shared_chain(self, chain_pem: bytes) -> Path | None:
        """The shared file holding ``chain_pem``, written if it is missing or differs."""
        if not chain_pem:
            return None
        with self._chains_lock:  # staging threads share one file
            known = self._chains.get(chain_pem)
            if known is not None:
                return known
            digest = hashlib.sha256(chain_pem).hexdigest()[:32]
            path = self.path / f"{SHARED_CHAIN}{digest}.pem"
            if not _holds(path, chain_pem):  # missing, damaged (a crash, an edit), or not a
                atomic_write(path, chain_pem, 0o644)  # plain 0644 file: written afresh
            self._chains[chain_pem] = path
            return path

    def commit(self, staged: Sequence[tuple[Path, Path]], threads: int = 1) -> None:
        """Make staged directories durable and swap each in for its service's directory; the
        replaced directories are deleted on up to ``threads`` threads."""
        commit_dirs(staged, FILES, threads)
        if staged:
            self._prune_chains()

    def _prune_chains(self) -> None:
        """Delete the shared chain files no service directory links to any more."""
        with os.scandir(self.path) as entries:
            for entry in entries:
                if not entry.name.startswith(SHARED_CHAIN):
                    continue
                try:
                    if entry.stat(follow_symlinks=False).st_nlink > 1:
                        continue
                    os.unlink(entry.path)
                except FileNotFoundError:  # another process pruned it first
                    pass
                with self._chains_lock:
                    for chain, path in list(self._chains.items()):
                        if path.name == entry.name:
                            del self._chains[chain]

    def write_service(self, service: str, issued: IssuedCertificate) -> Path:
        staged = self.stage(service, issued)
        self.commit([staged])
        return staged[1]

    def write_bundle(self, ca_pem: bytes) -> Path:
        """Write ``ca.pem`` unless it already holds exactly these bytes."""
        self._writable()
        path = self.path / CA_BUNDLE
        if not _holds(path, ca_pem):  # reads at most len(ca_pem) + 1 bytes of a regular file
            atomic_write(path, ca_pem)
        return path

    def write_crl(self, crl_pem: bytes) -> Path:
        self._writable()
        path = self.path / CRL
        atomic_write(path, crl_pem)
        return path

    def read_shared(self, name: str) -> bytes | None:
        """``ca.pem`` or ``crl.pem`` next to the service directories; None when it is missing."""
        path = self.path / name
        try:
            return read_bounded(path)
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise CertificateError(f"cannot read it: {exc.strerror}", path=path) from None

    def read(self, service: str, name: str) -> bytes:
        path = self.service_dir(service) / name
        try:
            return read_bounded(path)
        except FileNotFoundError:
            raise CertificateError(
                f"no certificate for service {service!r}",
                path=path,
                hint=f"run `gatekeeper certs issue {service}`",
            ) from None
        except OSError as exc:
            raise CertificateError(f"cannot read it: {exc.strerror}", path=path) from None
