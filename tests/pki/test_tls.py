"""Real TLS handshakes with issued certificates, for both backends."""

from __future__ import annotations

import ssl
import subprocess
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from gatekeeper.pki.interface import CertificateAuthority, KeyType
from gatekeeper.pki.local import LocalCA
from gatekeeper.pki.operations import init_ca, issue_service, revoke, store_for
from gatekeeper.pki.settings import LocalSettings, Secret, VaultSettings
from gatekeeper.pki.vault import VaultCA
from gatekeeper.policy.model import CertsPolicy
from tests.pki.conftest import VaultEnv
from tests.pki.tls import handshake, tls_server


@pytest.fixture(params=["local", "vault"])
def ca(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[CertificateAuthority]:
    if request.param == "local":
        authority: CertificateAuthority = LocalCA(
            LocalSettings(ca_dir=tmp_path / "ca"), warn=lambda m: None
        )
    else:
        vault: VaultEnv = request.getfixturevalue("vault")
        authority = VaultCA(VaultSettings(root_mount=vault.root_mount, int_mount=vault.int_mount))
    with authority:
        init_ca(authority, CertsPolicy())
        yield authority


@pytest.fixture
def other_ca_bundle(tmp_path: Path) -> Path:
    other = LocalCA(LocalSettings(ca_dir=tmp_path / "other-ca"), warn=lambda m: None)
    init_ca(other, CertsPolicy())
    path = tmp_path / "other-ca.pem"
    path.write_bytes(other.trust_bundle())
    return path


@pytest.mark.slow
@pytest.mark.parametrize("key_type", ["ec", "rsa", "ed25519"])
def test_handshakes(
    ca: CertificateAuthority, repo: Path, other_ca_bundle: Path, key_type: KeyType
) -> None:
    policy = CertsPolicy()
    store = store_for(repo, policy)
    issue_service(
        ca, store, policy, "api", sans=["api.internal"], ips=["127.0.0.1"], key_type=key_type
    )
    bundle = repo / "certs" / "ca.pem"
    with tls_server(repo / "certs" / "api") as port:
        assert handshake(port, "api.internal", bundle) == b"hello"
        assert handshake(port, "127.0.0.1", bundle) == b"hello"
        with pytest.raises(ssl.SSLCertVerificationError, match="unable to get local issuer"):
            handshake(port, "api.internal", other_ca_bundle)
        with pytest.raises(ssl.SSLCertVerificationError, match="[Hh]ostname mismatch"):
            handshake(port, "web.internal", bundle)


@pytest.mark.slow
def test_revoked_certificate_fails_with_the_crl(ca: CertificateAuthority, repo: Path) -> None:
    policy = CertsPolicy()
    store = store_for(repo, policy)
    issue_service(ca, store, policy, "api", sans=["api.internal"])
    crl = repo / "certs" / "crl.pem"
    store.write_crl(ca.crl_pem())
    bundle = repo / "certs" / "ca.pem"
    chain = repo / "certs" / "api" / "chain.pem"
    with tls_server(repo / "certs" / "api") as port:
        # The CRL names the issuing CA; the client needs it in its store for CRL checks.
        client_store = repo / "client.pem"
        client_store.write_bytes(bundle.read_bytes() + chain.read_bytes())
        assert handshake(port, "api.internal", client_store, crl) == b"hello"
        revoke(ca, store, service="api")
        with pytest.raises(ssl.SSLCertVerificationError, match="certificate revoked"):
            handshake(port, "api.internal", client_store, crl)
    done = subprocess.run(
        [
            "/usr/bin/openssl",
            "verify",
            "-crl_check",
            "-CRLfile",
            crl,
            "-CAfile",
            bundle,
            "-untrusted",
            chain,
            repo / "certs" / "api" / "cert.pem",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode != 0
    assert "certificate revoked" in done.stdout + done.stderr


def test_vault_tls_verification_stays_on(repo: Path, tmp_path: Path) -> None:
    """An https VAULT_ADDR is verified: an unknown CA fails at once; VAULT_CACERT makes it pass."""
    from gatekeeper.errors import BackendError, BackendUnavailable

    local = LocalCA(LocalSettings(ca_dir=tmp_path / "ca"), warn=lambda m: None)
    init_ca(local, CertsPolicy())
    policy = CertsPolicy()
    issue_service(
        local, store_for(repo, policy), policy, "vault", sans=["localhost"], ips=["127.0.0.1"]
    )
    sleeps: list[float] = []
    with tls_server(repo / "certs" / "vault") as port:
        untrusted = VaultSettings(
            addr=f"https://127.0.0.1:{port}", token=Secret("t"), retries=3, backoff=0.01
        )
        with (
            VaultCA(untrusted, sleep=sleeps.append) as ca,
            pytest.raises(BackendError, match="TLS verification of Vault") as info,
        ):
            ca.trust_bundle()
        assert not isinstance(info.value, BackendUnavailable)
        assert sleeps == []  # a certificate problem is not retried
        trusted = replace(untrusted, cacert=repo / "certs" / "ca.pem", retries=1)
        with VaultCA(trusted) as ca, pytest.raises(BackendUnavailable):
            ca.trust_bundle()  # the handshake succeeds; our toy server just does not speak HTTP
