"""`certs init --import-root BUNDLE`: an existing root CA, for both backends, never replaced."""

from __future__ import annotations

import stat
import subprocess
from pathlib import Path

import pytest
from cryptography import x509

from gatekeeper.errors import CertificateError, ConfigError
from gatekeeper.pki.local import INT_CERT, ROOT_CERT, ROOT_KEY, LocalCA
from gatekeeper.pki.operations import init_ca, issue_service, store_for
from gatekeeper.pki.rootbundle import PASSPHRASE_VAR, fingerprint, load_root_bundle
from gatekeeper.pki.settings import LocalSettings, Secret, VaultSettings
from gatekeeper.pki.vault import VaultCA
from gatekeeper.policy.model import CertsPolicy
from tests.pki.conftest import VaultEnv, run_cli
from tests.pki.rootca import Root, good_root, make_root, new_key, usage
from tests.servers import bao_server


def write(tmp_path: Path, data: bytes, name: str = "root-bundle.pem") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def key_body(root: Root) -> str:
    """A line of the key's base64: it must never appear in any output."""
    return root.key_pem().decode().splitlines()[1]


def openssl_verify(repo: Path, service: str) -> subprocess.CompletedProcess[str]:
    d = repo / "certs" / service
    return subprocess.run(
        [
            "/usr/bin/openssl",
            "verify",
            "-CAfile",
            repo / "certs" / "ca.pem",
            "-untrusted",
            d / "chain.pem",
            d / "cert.pem",
        ],
        capture_output=True,
        text=True,
        check=False,
    )


# ---------------------------------------------------------------------- the bundle itself
@pytest.mark.parametrize("kind", ["ec", "rsa", "ed25519"])
def test_a_good_bundle_loads(tmp_path: Path, kind: str) -> None:
    root = good_root(kind=kind)
    bundle = load_root_bundle(write(tmp_path, root.bundle()))
    assert bundle.certificate_pem == root.cert_pem
    assert bundle.subject == "CN=Imported Root CA"
    assert bundle.fingerprint == fingerprint(root.cert_pem) and len(bundle.fingerprint) == 95
    assert b"ENCRYPTED" not in bundle.private_key_pem
    assert "private_key_pem" not in repr(bundle) and key_body(root) not in repr(bundle)


def test_encrypted_keys_take_the_passphrase(tmp_path: Path) -> None:
    root = good_root()
    pkcs8 = write(tmp_path, root.key_pem(b"s3cret") + root.cert_pem, "pkcs8.pem")
    assert load_root_bundle(pkcs8, b"s3cret").fingerprint == fingerprint(root.cert_pem)
    traditional = write(tmp_path, root.bundle(b"s3cret", traditional=True), "trad.pem")
    assert b"Proc-Type: 4,ENCRYPTED" in traditional.read_bytes()
    assert load_root_bundle(traditional, b"s3cret").subject == "CN=Imported Root CA"
    plain = write(tmp_path, root.bundle(), "plain.pem")  # a passphrase it does not need
    assert load_root_bundle(plain, b"unused").certificate_pem == root.cert_pem


def bad_bundles(tmp_path: Path) -> list[tuple[Path, bytes | None, str]]:
    """(file, passphrase, message) for every way a bundle is refused."""
    root = good_root()
    other = good_root("Another Root")
    impostor_signer = new_key()
    cases: list[tuple[str, bytes, bytes | None, str]] = [
        ("garbage", b"this is not PEM at all\n", None, "found 0"),
        ("no-key", root.cert_pem, None, "exactly one PEM private key, found 0"),
        ("two-certs", root.bundle() + other.cert_pem, None, "certificate, found 2"),
        ("two-keys", root.bundle() + other.key_pem(), None, "private key, found 2"),
        (
            "bad-cert",
            b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n" + root.key_pem(),
            None,
            "not a valid PEM certificate",
        ),
        (
            "bad-key",
            root.cert_pem + b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
            None,
            "cannot load the private key",
        ),
        ("no-pass", root.bundle(b"pw"), None, f"encrypted but {PASSPHRASE_VAR} is not set"),
        ("wrong-pass", root.bundle(b"pw"), b"nope", f"wrong {PASSPHRASE_VAR}"),
        (
            "dsa",
            make_root(kind="dsa", key_usage=usage()).bundle(),
            None,
            "unsupported key type",
        ),
        ("no-basic", make_root(ca=None, key_usage=usage()).bundle(), None, "not a CA"),
        ("leaf", make_root(ca=False, key_usage=usage()).bundle(), None, "CA=true is missing"),
        (
            "pathlen0",
            make_root(path_length=0, key_usage=usage()).bundle(),
            None,
            "pathLenConstraint is 0",
        ),
        ("no-usage", make_root().bundle(), None, "keyCertSign is missing"),
        (
            "no-certsign",
            make_root(key_usage=usage(cert_sign=False)).bundle(),
            None,
            "keyCertSign is missing",
        ),
        (
            "issued",
            make_root(issuer="Somebody Else", key_usage=usage()).bundle(),
            None,
            "not self-signed",
        ),
        (
            "forged",
            make_root(signer=impostor_signer, key_usage=usage()).bundle(),
            None,
            "not self-signed",
        ),
        (
            "expired",
            make_root(days=-1, start_days=-30, key_usage=usage()).bundle(),
            None,
            "the certificate expired on",
        ),
        (
            "future",
            make_root(start_days=2, days=30, key_usage=usage()).bundle(),
            None,
            "not valid before",
        ),
        ("mismatch", root.cert_pem + other.key_pem(), None, "does not match the certificate"),
    ]
    out = [(write(tmp_path, data, f"{name}.pem"), pw, msg) for name, data, pw, msg in cases]
    out.append((tmp_path / "missing.pem", None, "cannot read the file: No such file"))
    return out


def test_bad_bundles_are_refused_naming_the_file(tmp_path: Path) -> None:
    for path, passphrase, message in bad_bundles(tmp_path):
        with pytest.raises(CertificateError) as err:
            load_root_bundle(path, passphrase)
        text = str(err.value)
        assert text.startswith(f"{path}: cannot import the root CA: "), text
        assert message in text, (path.name, text)
        assert "BEGIN" not in text


@pytest.mark.slow
# ---------------------------------------------------------------------- the command, exit 2
@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("leaf.pem", "not a CA certificate"),
        ("expired.pem", "the certificate expired on"),
        ("mismatch.pem", "the private key does not match the certificate"),
        ("garbage.pem", "expected exactly one PEM certificate, found 0"),
        ("missing.pem", "cannot read the file"),
    ],
)
def test_cli_refuses_bad_bundles_and_changes_nothing(
    tmp_path: Path, repo: Path, name: str, message: str
) -> None:
    bad_bundles(tmp_path)
    path = tmp_path / name
    done = run_cli("init", "--repo", repo, "--import-root", path)
    assert done.returncode == 2, (done.stdout, done.stderr)
    assert f"{path}: cannot import the root CA: {message}" in done.stderr
    assert "Traceback" not in done.stderr and "PRIVATE KEY" not in done.stdout + done.stderr
    assert not (tmp_path / "ca").exists() and not (repo / "certs").exists()


@pytest.mark.slow
# ---------------------------------------------------------------------- local backend
def test_local_import_encrypts_the_key_and_signs_the_intermediate(
    tmp_path: Path, repo: Path
) -> None:
    root = good_root(kind="rsa")
    bundle = write(tmp_path, root.bundle(b"import pw"))
    env = {PASSPHRASE_VAR: "import pw", "GATEKEEPER_CA_PASSPHRASE": "ca pw"}
    first = run_cli("init", "--repo", repo, "--import-root", bundle, env=env)
    assert first.returncode == 0, first.stderr
    fp = fingerprint(root.cert_pem)
    assert f"local: imported the root CA CN=Imported Root CA ({fp})" in first.stdout
    assert "local: generated and signed the intermediate CA" in first.stdout
    assert "generated the root CA" not in first.stdout
    output = first.stdout + first.stderr
    assert key_body(root) not in output and "import pw" not in output and "ca pw" not in output
    ca_dir = tmp_path / "ca"
    key_file = ca_dir / ROOT_KEY
    assert key_file.read_bytes().startswith(b"-----BEGIN ENCRYPTED PRIVATE KEY-----")
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert (ca_dir / ROOT_CERT).read_bytes() == root.cert_pem
    assert (repo / "certs" / "ca.pem").read_bytes() == root.cert_pem
    intermediate = x509.load_pem_x509_certificate((ca_dir / INT_CERT).read_bytes())
    intermediate.verify_directly_issued_by(root.cert)
    assert intermediate.not_valid_after_utc <= root.cert.not_valid_after_utc

    again = run_cli("init", "--repo", repo, "--import-root", bundle, env=env)
    assert again.returncode == 0, again.stderr
    assert "nothing changed" in again.stdout
    plain = run_cli("init", "--repo", repo, env={"GATEKEEPER_CA_PASSPHRASE": "ca pw"})
    assert "nothing changed" in plain.stdout

    issued = run_cli("issue", "api", "--repo", repo, env={"GATEKEEPER_CA_PASSPHRASE": "ca pw"})
    assert issued.returncode == 0, issued.stderr
    done = openssl_verify(repo, "api")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().endswith(": OK")


@pytest.mark.slow
def test_local_refuses_a_different_root(tmp_path: Path, repo: Path) -> None:
    first, second = good_root(), good_root("Other Root")
    assert run_cli("init", "--repo", repo, "--import-root", write(tmp_path, first.bundle()))
    before = {p.name: p.read_bytes() for p in (tmp_path / "ca").iterdir()}
    other = write(tmp_path, second.bundle(), "other.pem")
    done = run_cli("init", "--repo", repo, "--import-root", other)
    assert done.returncode == 2, (done.stdout, done.stderr)
    assert "already has a different root CA" in done.stderr
    assert f"SHA-256 {fingerprint(first.cert_pem)}" in done.stderr
    assert f"the one in {other}" in done.stderr and "GATEKEEPER_CA_DIR" in done.stderr
    assert key_body(second) not in done.stdout + done.stderr
    assert {p.name: p.read_bytes() for p in (tmp_path / "ca").iterdir()} == before
    assert (repo / "certs" / "ca.pem").read_bytes() == first.cert_pem


def test_local_refuses_to_replace_a_generated_root(tmp_path: Path) -> None:
    warnings: list[str] = []
    ca = LocalCA(LocalSettings(ca_dir=tmp_path / "ca"), warn=warnings.append)
    policy = CertsPolicy()
    assert "generated the root CA" in init_ca(ca, policy).actions
    root = load_root_bundle(write(tmp_path, good_root(kind="ed25519").bundle()))
    with pytest.raises(ConfigError, match="refusing to replace it") as err:
        init_ca(ca, policy, root)
    assert err.value.exit_code == 2


def test_local_import_over_a_corrupt_root_is_a_clean_error(tmp_path: Path) -> None:
    ca = LocalCA(LocalSettings(ca_dir=tmp_path / "ca"), warn=lambda _: None)
    init_ca(ca, CertsPolicy())
    (tmp_path / "ca" / "root.pem").write_bytes(b"-----BEGIN CERTIFICATE-----\nnot base64\n")
    root = load_root_bundle(write(tmp_path, good_root().bundle()))
    with pytest.raises(ConfigError, match="not a valid PEM certificate") as err:
        init_ca(ca, CertsPolicy(), root)
    assert err.value.exit_code == 2


@pytest.mark.slow
def test_local_import_without_passphrase_is_0600_and_warns(tmp_path: Path, repo: Path) -> None:
    warnings: list[str] = []
    ca = LocalCA(LocalSettings(ca_dir=tmp_path / "ca"), warn=warnings.append)
    root = good_root(kind="ed25519")
    bundle = load_root_bundle(write(tmp_path, root.bundle()))
    result = init_ca(ca, CertsPolicy(), bundle)
    assert result.actions[1].startswith("imported the root CA")
    key_file = tmp_path / "ca" / ROOT_KEY
    assert key_file.read_bytes().startswith(b"-----BEGIN PRIVATE KEY-----")
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert warnings and "NOT encrypted" in warnings[0]
    assert init_ca(ca, CertsPolicy(), bundle).actions == ()
    issue_service(ca, store_for(repo, CertsPolicy()), CertsPolicy(), "api", sans=["localhost"])
    assert openssl_verify(repo, "api").returncode == 0


@pytest.mark.slow
# ---------------------------------------------------------------------- Vault / OpenBao
def test_vault_import_is_idempotent_and_issues_under_the_root(
    vault: VaultEnv, tmp_path: Path, repo: Path
) -> None:
    root = good_root(days=400)
    bundle = write(tmp_path, root.bundle(b"bundle pass"))
    env = {PASSPHRASE_VAR: "bundle pass"}
    first = run_cli("init", "--repo", repo, "--import-root", bundle, env=env)
    assert first.returncode == 0, first.stderr
    fp = fingerprint(root.cert_pem)
    assert f"vault: imported the root CA CN=Imported Root CA ({fp})" in first.stdout
    assert "vault: generated and signed the intermediate CA" in first.stdout
    assert "generated the root CA" not in first.stdout
    assert key_body(root) not in first.stdout + first.stderr
    assert "bundle pass" not in first.stdout + first.stderr
    assert x509.load_pem_x509_certificate((repo / "certs" / "ca.pem").read_bytes()) == root.cert

    again = run_cli("init", "--repo", repo, "--import-root", bundle, env=env)
    assert again.returncode == 0, again.stderr
    assert "nothing changed" in again.stdout

    issued = run_cli("issue", "api", "--repo", repo)
    assert issued.returncode == 0, issued.stderr
    chain = x509.load_pem_x509_certificates((repo / "certs" / "api" / "chain.pem").read_bytes())
    assert len(chain) == 1
    chain[0].verify_directly_issued_by(root.cert)
    assert chain[0].not_valid_after_utc <= root.cert.not_valid_after_utc
    done = openssl_verify(repo, "api")
    assert done.returncode == 0, done.stderr

    other = write(tmp_path, good_root("Other Root").bundle(), "other.pem")
    refused = run_cli("init", "--repo", repo, "--import-root", other)
    assert refused.returncode == 2, (refused.stdout, refused.stderr)
    assert f"the Vault mount {vault.root_mount} already has a different root CA" in refused.stderr
    assert f"SHA-256 {fp}" in refused.stderr and "GATEKEEPER_PKI_ROOT_MOUNT" in refused.stderr
    assert "Traceback" not in refused.stderr
    with VaultCA(VaultSettings()) as ca:  # the root in Vault is still the imported one
        assert x509.load_pem_x509_certificate(ca.trust_bundle()) == root.cert


@pytest.mark.slow
def test_vault_refuses_to_replace_a_generated_root_on_a_clean_server(tmp_path: Path) -> None:
    with bao_server() as server:
        env = {"VAULT_ADDR": server.addr, "VAULT_TOKEN": server.token}
        assert run_cli("init", "--repo", tmp_path, env=env).returncode == 0
        generated = (tmp_path / "certs" / "ca.pem").read_bytes()
        bundle = write(tmp_path, good_root().bundle())
        done = run_cli("init", "--repo", tmp_path, "--import-root", bundle, env=env)
        assert done.returncode == 2, (done.stdout, done.stderr)
        assert "the Vault mount pki already has a different root CA" in done.stderr
        assert (tmp_path / "certs" / "ca.pem").read_bytes() == generated
        with VaultCA(VaultSettings(addr=server.addr, token=Secret(server.token))) as ca:
            assert ca.trust_bundle() == generated
