"""`certs verify` and certificate inspection on broken inputs."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed448
from cryptography.x509.oid import NameOID

import gatekeeper.pki as pki
from gatekeeper.errors import CertificateError
from gatekeeper.pki import fs
from gatekeeper.pki.inspect import read_info
from gatekeeper.pki.interface import IssuedCertificate
from gatekeeper.pki.local import LocalCA
from gatekeeper.pki.operations import expected_names, init_ca, issue_service, store_for
from gatekeeper.pki.settings import LocalSettings
from gatekeeper.pki.store import CertStore
from gatekeeper.pki.verify import verify_service
from gatekeeper.policy.model import CertsPolicy
from gatekeeper.policy.validate import from_mapping


def self_signed(
    key: ec.EllipticCurvePrivateKey | ed448.Ed448PrivateKey, with_san: bool = True
) -> bytes:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "odd")])
    now = dt.datetime.now(dt.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(now)
        .not_valid_after(now + dt.timedelta(days=1))
    )
    if with_san:
        builder = builder.add_extension(
            x509.SubjectAlternativeName([x509.DNSName("odd.internal")]), False
        )
    algorithm = None if isinstance(key, ed448.Ed448PrivateKey) else hashes.SHA256()
    return builder.sign(key, algorithm).public_bytes(serialization.Encoding.PEM)


@pytest.fixture
def issued(repo: Path, tmp_path: Path) -> CertStore:
    policy = CertsPolicy()
    ca = LocalCA(LocalSettings(ca_dir=tmp_path / "ca"), warn=lambda m: None)
    init_ca(ca, policy)
    store = store_for(repo, policy)
    issue_service(ca, store, policy, "api", sans=["api.internal"], ips=["10.0.0.1"])
    store.write_crl(ca.crl_pem())
    return store


def test_lazy_package_api() -> None:
    assert pki.issue_service is issue_service
    assert pki.CertStore is CertStore
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        pki.nope  # noqa: B018


def test_verified_and_names(issued: CertStore) -> None:
    result = verify_service(issued, "api", ["api.internal", "10.0.0.1", "10.0.0.2", "web.internal"])
    assert result.problems == (
        "does not cover 10.0.0.2 (SANs: api.internal, 10.0.0.1)",
        "does not cover web.internal (SANs: api.internal, 10.0.0.1)",
    )
    assert "covers api.internal" in result.checked and "covers 10.0.0.1" in result.checked
    assert "not revoked" in result.checked


def test_missing_bundle_and_broken_chain(issued: CertStore, tmp_path: Path) -> None:
    (issued.path / "ca.pem").unlink()
    assert verify_service(issued, "api").problems == (
        f"no trust bundle at {issued.path / 'ca.pem'}",
    )
    other = LocalCA(LocalSettings(ca_dir=tmp_path / "other"), warn=lambda m: None)
    init_ca(other, CertsPolicy())
    (issued.path / "ca.pem").write_bytes(other.trust_bundle())
    assert verify_service(issued, "api").problems == (
        f"the chain does not lead to a root in {issued.path / 'ca.pem'}",
    )
    (issued.path / "api" / "chain.pem").write_text("garbage")
    assert not verify_service(issued, "api").ok
    # an Ed448 "issuer" makes the signature check raise rather than return
    (issued.path / "api" / "chain.pem").write_bytes(self_signed(ed448.Ed448PrivateKey.generate()))
    assert not verify_service(issued, "api").ok


def test_bad_key_file(issued: CertStore) -> None:
    (issued.path / "api" / "key.pem").write_text("not a key")
    assert "key.pem is not an unencrypted PEM private key" in verify_service(issued, "api").problems


def test_certificate_without_sans(issued: CertStore) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    pem = self_signed(key, with_san=False)
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    issued.write_service("odd", IssuedCertificate(key_pem, pem, b"", pem, "01"))
    result = verify_service(issued, "odd")
    assert "the certificate has no subject alternative names" in result.problems
    info = read_info(issued.path / "odd" / "cert.pem", "odd")
    assert info.sans == () and info.subject == "odd" and info.key_type == "ec"


def test_inspection_errors(tmp_path: Path) -> None:
    path = tmp_path / "cert.pem"
    path.write_bytes(self_signed(ed448.Ed448PrivateKey.generate()))
    with pytest.raises(CertificateError, match="unsupported public key type"):
        read_info(path, "x")
    with pytest.raises(CertificateError, match="cannot read certificate"):
        read_info(tmp_path / "missing.pem", "x")
    path.write_text("nope")
    with pytest.raises(CertificateError, match="not a PEM certificate"):
        read_info(path, "x")


def test_expected_names() -> None:
    policy = from_mapping(
        CertsPolicy, {"services": [{"name": "api", "sans": ["a.internal"], "ips": ["::1"]}]}
    )
    assert expected_names(policy, "api") == ["a.internal", "::1"]
    assert expected_names(policy, "web") == []


def test_first_write_failure_leaves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(fs, "exchange_dirs", lambda new, target: False)

    def failing(src: object, dst: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("gatekeeper.pki.fs.os.rename", failing)
    store = CertStore(tmp_path / "certs")
    with pytest.raises(OSError, match="No space"):
        store.write_service("api", IssuedCertificate(b"K", b"C", b"", b"R", "01"))
    assert list(store.path.iterdir()) == []
