"""The local CA on cryptography: hierarchy, idempotent init, encryption at rest, revocation."""

from __future__ import annotations

import datetime as dt
import stat
import subprocess
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, x25519

from gatekeeper.errors import CertificateError, ConfigError
from gatekeeper.pki.factory import open_authority
from gatekeeper.pki.keys import load_ca_key
from gatekeeper.pki.local import INT_KEY, ROOT_KEY, UNENCRYPTED_WARNING, LocalCA
from gatekeeper.pki.operations import init_ca, issue_service, make_request, store_for
from gatekeeper.pki.settings import LocalSettings, Secret, default_ca_dir
from gatekeeper.policy.model import CertsPolicy, CertsRole
from gatekeeper.policy.validate import as_mapping, from_mapping


def make_ca(
    tmp_path: Path, passphrase: str | None = None, warnings: list[str] | None = None
) -> LocalCA:
    settings = LocalSettings(
        ca_dir=tmp_path / "ca", passphrase=Secret(passphrase) if passphrase is not None else None
    )
    return LocalCA(settings, warn=(warnings.append if warnings is not None else lambda m: None))


def test_default_dir_follows_xdg(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert default_ca_dir() == tmp_path / "xdg" / "gatekeeper" / "ca"
    monkeypatch.delenv("XDG_DATA_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert default_ca_dir() == tmp_path / "home" / ".local" / "share" / "gatekeeper" / "ca"
    monkeypatch.delenv("GATEKEEPER_CA_DIR")
    assert LocalSettings().ca_dir == default_ca_dir()


def test_init_is_idempotent_and_builds_a_hierarchy(tmp_path: Path, policy: CertsPolicy) -> None:
    ca = make_ca(tmp_path)
    first = init_ca(ca, policy)
    assert first.changed and first.backend == "local"
    assert "generated the root CA" in first.actions
    state = {p.name: p.read_bytes() for p in (tmp_path / "ca").iterdir()}
    second = init_ca(make_ca(tmp_path), policy)
    assert second.actions == ()
    assert {p.name: p.read_bytes() for p in (tmp_path / "ca").iterdir()} == state
    assert stat.S_IMODE((tmp_path / "ca").stat().st_mode) == 0o700
    for key in (ROOT_KEY, INT_KEY):
        assert stat.S_IMODE((tmp_path / "ca" / key).stat().st_mode) == 0o600
    root = x509.load_pem_x509_certificate((tmp_path / "ca" / "root.pem").read_bytes())
    inter = x509.load_pem_x509_certificate((tmp_path / "ca" / "intermediate.pem").read_bytes())
    inter.verify_directly_issued_by(root)
    assert inter.extensions.get_extension_for_class(x509.BasicConstraints).value.path_length == 0
    assert root.subject.rfc4514_string() == "CN=Gatekeeper Internal Root CA,O=Gatekeeper"


def test_init_repairs_permissions_and_a_missing_intermediate(
    tmp_path: Path, policy: CertsPolicy
) -> None:
    init_ca(make_ca(tmp_path), policy)
    (tmp_path / "ca").chmod(0o755)
    (tmp_path / "ca" / "intermediate.pem").unlink()
    (tmp_path / "ca" / "crl.pem").unlink()
    result = init_ca(make_ca(tmp_path), policy)
    assert result.actions == (
        f"restricted {tmp_path / 'ca'} to mode 0700",
        "generated and signed the intermediate CA",
        "published an empty CRL",
    )


def test_unencrypted_keys_warn_loudly(tmp_path: Path, policy: CertsPolicy) -> None:
    warnings: list[str] = []
    ca = make_ca(tmp_path, warnings=warnings)
    init_ca(ca, policy)
    assert warnings == [UNENCRYPTED_WARNING.format(dir=tmp_path / "ca")]
    assert b"ENCRYPTED" not in (tmp_path / "ca" / ROOT_KEY).read_bytes()


def test_default_warning_goes_to_stderr(
    tmp_path: Path, policy: CertsPolicy, capsys: pytest.CaptureFixture[str]
) -> None:
    init_ca(LocalCA(LocalSettings(ca_dir=tmp_path / "ca")), policy)
    assert "NOT encrypted" in capsys.readouterr().err


def test_passphrase_encrypts_keys_at_rest(tmp_path: Path, repo: Path, policy: CertsPolicy) -> None:
    warnings: list[str] = []
    ca = make_ca(tmp_path, "correct horse", warnings)
    init_ca(ca, policy)
    assert warnings == []
    for key in (ROOT_KEY, INT_KEY):
        data = (tmp_path / "ca" / key).read_bytes()
        assert data.startswith(b"-----BEGIN ENCRYPTED PRIVATE KEY-----")
        with pytest.raises(TypeError):
            serialization.load_pem_private_key(data, None)
    issued = issue_service(
        make_ca(tmp_path, "correct horse"), store_for(repo, policy), policy, "api"
    )
    assert issued.path == repo / "certs" / "api"
    with pytest.raises(ConfigError, match="wrong GATEKEEPER_CA_PASSPHRASE") as info:
        issue_service(make_ca(tmp_path, "wrong"), store_for(repo, policy), policy, "api")
    assert "wrong" not in str(info.value).replace("wrong GATEKEEPER", "")
    with pytest.raises(ConfigError, match="encrypted but GATEKEEPER_CA_PASSPHRASE is not set"):
        init_ca(make_ca(tmp_path), policy)


def test_unsupported_ca_key(tmp_path: Path) -> None:
    path = tmp_path / "k.pem"
    key = x25519.X25519PrivateKey.generate()
    path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    with pytest.raises(ConfigError, match="unsupported CA key type"):
        load_ca_key(path, None)
    good = tmp_path / "ec.pem"
    good.write_bytes(
        ec.generate_private_key(ec.SECP256R1()).private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    assert isinstance(
        load_ca_key(good, b"ignored for unencrypted keys"), ec.EllipticCurvePrivateKey
    )


def test_not_initialized(tmp_path: Path, repo: Path, policy: CertsPolicy) -> None:
    with pytest.raises(ConfigError, match="not initialized") as info:
        issue_service(make_ca(tmp_path), store_for(repo, policy), policy, "api")
    assert info.value.hint == "run `gatekeeper certs init`"
    with pytest.raises(ConfigError, match="not initialized"):
        make_ca(tmp_path).revoke("01")
    init_ca(make_ca(tmp_path), policy)
    (tmp_path / "ca" / INT_KEY).unlink()
    with pytest.raises(ConfigError, match="not initialized"):
        make_ca(tmp_path).crl_pem()
    (tmp_path / "ca" / "intermediate.pem").write_bytes(b"garbage")
    with pytest.raises(ConfigError, match="not a valid PEM certificate"):
        make_ca(tmp_path).trust_bundle()


@pytest.mark.slow
@pytest.mark.parametrize("key_type", ["ec", "rsa", "ed25519"])
def test_issue_each_key_type(
    tmp_path: Path, repo: Path, policy: CertsPolicy, key_type: str
) -> None:
    ca = make_ca(tmp_path)
    init_ca(ca, policy)
    issued = issue_service(
        ca,
        store_for(repo, policy),
        policy,
        "api",
        sans=["api.internal", "localhost"],
        ips=["127.0.0.1", "::1"],
        ttl="10d",
        key_type=key_type,  # type: ignore[arg-type]
    )
    d = repo / "certs" / "api"
    cert = x509.load_pem_x509_certificate((d / "cert.pem").read_bytes())
    san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert san.get_values_for_type(x509.DNSName) == ["api.internal", "localhost"]
    assert [str(i) for i in san.get_values_for_type(x509.IPAddress)] == ["127.0.0.1", "::1"]
    assert cert.not_valid_after_utc - cert.not_valid_before_utc == dt.timedelta(days=10, seconds=30)
    assert issued.key_type == key_type and issued.ttl == "10d"
    assert (d / "fullchain.pem").read_bytes() == (d / "cert.pem").read_bytes() + (
        d / "chain.pem"
    ).read_bytes()
    done = subprocess.run(
        [
            "/usr/bin/openssl",
            "verify",
            "-CAfile",
            repo / "certs" / "ca.pem",
            "-untrusted",
            d / "chain.pem",
            "-purpose",
            "sslserver",
            d / "cert.pem",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().endswith(": OK")


def test_leaf_never_outlives_the_intermediate(tmp_path: Path, repo: Path) -> None:
    policy = from_mapping(CertsPolicy, {"ca": {"intermediate_ttl": "2d", "root_ttl": "3d"}})
    ca = make_ca(tmp_path)
    init_ca(ca, policy)
    issue_service(ca, store_for(repo, policy), policy, "api", ttl="30d")
    cert = x509.load_pem_x509_certificate((repo / "certs/api/cert.pem").read_bytes())
    inter = x509.load_pem_x509_certificate((tmp_path / "ca" / "intermediate.pem").read_bytes())
    assert cert.not_valid_after_utc == inter.not_valid_after_utc


def test_revoke_and_crl(tmp_path: Path, repo: Path, policy: CertsPolicy) -> None:
    ca = make_ca(tmp_path)
    init_ca(ca, policy)
    issued = issue_service(ca, store_for(repo, policy), policy, "api")
    crl = x509.load_pem_x509_crl(ca.crl_pem())
    assert len(crl) == 0
    ca.revoke(issued.serial.upper().replace(":", ""))
    ca.revoke(issued.serial)  # twice is fine and lists it once
    crl = x509.load_pem_x509_crl(make_ca(tmp_path).crl_pem())
    serial = int(issued.serial.replace(":", ""), 16)
    assert [r.serial_number for r in crl] == [serial]
    inter = x509.load_pem_x509_certificate((tmp_path / "ca" / "intermediate.pem").read_bytes())
    assert crl.is_signature_valid(inter.public_key())  # type: ignore[arg-type]
    on_disk = x509.load_pem_x509_crl((tmp_path / "ca" / "crl.pem").read_bytes())
    assert on_disk.get_revoked_certificate_by_serial_number(serial) is not None
    with pytest.raises(CertificateError, match="not found in the local CA"):
        ca.revoke("01:02:03")


def test_no_store_certificates_are_not_recorded(tmp_path: Path) -> None:
    policy = from_mapping(CertsPolicy, {"roles": {"short": {"no_store": True}}})
    ca = make_ca(tmp_path)
    init_ca(ca, policy)
    request = make_request(policy, "api", ttl="1h")
    assert request.no_store and request.role == "short"
    issued = ca.issue(request)
    with pytest.raises(CertificateError, match="no_store"):
        ca.revoke(issued.serial)


def test_factory_picks_local_without_vault_addr(tmp_path: Path) -> None:
    with open_authority(CertsPolicy()) as ca:
        assert isinstance(ca, LocalCA)
        assert ca.dir == tmp_path / "ca"


def test_factory_local_role_validation_is_ours() -> None:
    with pytest.raises(CertificateError, match="unknown role 'edge'"):
        make_request(CertsPolicy(), "api", role="edge")
    with pytest.raises(CertificateError, match="invalid service name"):
        make_request(CertsPolicy(), "../etc")
    policy = from_mapping(CertsPolicy, {"roles": {"only": as_mapping(CertsRole())}})
    assert make_request(policy, "api").role == "only"
