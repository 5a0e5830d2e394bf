"""The one expiry state, and ``certs status`` judged as ``gatekeeper check --gate certs`` judges
the same certificates."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from gatekeeper.cli import main
from gatekeeper.pki.expiry import ExpiryState, expiry_state

NOW = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("days", "state"),
    [
        (0, ExpiryState.EXPIRED),
        (-1, ExpiryState.EXPIRED),
        (6.9, ExpiryState.FAIL),
        (7, ExpiryState.WARN),
        (29.9, ExpiryState.WARN),
        (30, ExpiryState.OK),
    ],
)
def test_expiry_state_boundaries(days: float, state: ExpiryState) -> None:
    assert expiry_state(NOW + dt.timedelta(days=days), NOW, 30, 7) is state


def _certificate(directory: Path, days_left: float) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "api.internal")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(7)
        .not_valid_before(now - dt.timedelta(days=400))
        .not_valid_after(now + dt.timedelta(days=days_left))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("api.internal")]), False)
        .sign(key, hashes.SHA256())
    )
    directory.mkdir(parents=True)
    (directory / "cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file = directory / "key.pem"
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    key_file.chmod(0o600)


@pytest.mark.parametrize(
    ("days_left", "policy", "code"),
    [
        (90, "", 0),  # passing
        (20, "", 0),  # warning only: GK-CERT-003 is medium, below fail_on = high
        (3, "", 1),  # failing: GK-CERT-002
        (-2, "", 1),  # expired: GK-CERT-001
        (3, 'fail_on = "critical"\n', 0),  # the policy's threshold counts in both
        (20, 'fail_on = "medium"\n', 1),
    ],
)
def test_certs_status_agrees_with_check(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], days_left: float, policy: str, code: int
) -> None:
    (tmp_path / "pyproject.toml").write_text(f"[tool.gatekeeper.certs]\n{policy}")
    _certificate(tmp_path / "certs" / "api", days_left)
    status = main(["certs", "status", "--repo", str(tmp_path)])
    check = main(["check", str(tmp_path), "--gate", "certs"])
    assert (status, check) == (code, code)
    capsys.readouterr()


def test_certs_status_reports_what_the_table_cannot_show(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _certificate(tmp_path / "certs" / "api", 90)
    (tmp_path / "certs" / "api" / "key.pem").chmod(0o644)
    (tmp_path / "certs" / "web").mkdir()
    (tmp_path / "certs" / "web" / "cert.pem").write_text("not a certificate\n")
    assert main(["certs", "status", "--repo", str(tmp_path)]) == 1
    assert main(["check", str(tmp_path), "--gate", "certs"]) == 1
    err = capsys.readouterr().err
    assert "FAIL: certs/api/key.pem has mode 0o644; keys must be 0600" in err
    assert "FAIL: web: not a PEM certificate" in err
