"""The Vault/OpenBao backend against a real `bao server -dev` (no mocks)."""

from __future__ import annotations

import subprocess
from dataclasses import replace
from pathlib import Path
from typing import Any

import hvac
import hvac.exceptions as hv
import pytest
from cryptography import x509

from gatekeeper.errors import (
    AuthenticationError,
    BackendError,
    BackendUnavailable,
    CertificateError,
    ConfigError,
)
from gatekeeper.pki.factory import open_authority
from gatekeeper.pki.interface import serial_from_int
from gatekeeper.pki.operations import init_ca, issue_service, make_request, revoke, store_for
from gatekeeper.pki.settings import Secret, VaultSettings
from gatekeeper.pki.vault import VaultCA, role_name, role_params
from gatekeeper.policy.model import CertsPolicy
from gatekeeper.policy.validate import from_mapping
from tests.pki.conftest import VaultEnv
from tests.servers import bao_server, free_port


def settings(vault: VaultEnv, **extra: Any) -> VaultSettings:
    return VaultSettings(
        addr=vault.bao.addr,
        token=Secret(vault.bao.token),
        root_mount=vault.root_mount,
        int_mount=vault.int_mount,
        **extra,
    )


@pytest.mark.slow
def test_factory_picks_vault_when_addr_is_set(vault: VaultEnv) -> None:
    with open_authority(CertsPolicy()) as ca:
        assert isinstance(ca, VaultCA)
        assert ca.settings.int_mount == vault.int_mount
        assert "token" not in repr(ca.settings).replace("token=Secret('**********')", "")


@pytest.mark.slow
def test_init_is_idempotent_and_follows_the_policy(vault: VaultEnv) -> None:
    policy = CertsPolicy()
    with VaultCA(settings(vault)) as ca:
        first = init_ca(ca, policy)
        assert first.backend == "vault" and first.location == vault.bao.addr
        assert f"mounted the PKI engine at {vault.int_mount}" in first.actions
        assert "created role service-ed25519" in first.actions
        assert init_ca(ca, policy).actions == ()
        client = ca.client
        urls = client.secrets.pki.read_urls(mount_point=vault.int_mount)["data"]
        assert urls["crl_distribution_points"] == [f"{vault.bao.addr}/v1/{vault.int_mount}/crl"]
        changed = from_mapping(
            CertsPolicy,
            {
                "ca": {"intermediate_ttl": "1000d", "url_base": "https://vault.internal:8200/"},
                "roles": {"service": {"max_ttl": "30d", "default_ttl": "7d", "key_types": ["ec"]}},
            },
        )
        second = init_ca(ca, changed)
        assert second.actions == (
            f"tuned {vault.int_mount} max_lease_ttl to 1000d",
            f"set the issuing and CRL URLs of {vault.root_mount}",
            f"set the issuing and CRL URLs of {vault.int_mount}",
            "updated role service-ec",
        )
        role = client.secrets.pki.read_role("service-ec", mount_point=vault.int_mount)["data"]
        assert role["max_ttl"] == 30 * 86400 and role["allowed_domains"] == ["internal"]
        assert role_params(changed.roles["service"], "ec")["key_bits"] == 256
        assert role_name("edge", "rsa") == "edge-rsa"


@pytest.mark.slow
@pytest.mark.parametrize("key_type", ["ec", "rsa", "ed25519"])
def test_issue_each_key_type(vault: VaultEnv, repo: Path, key_type: str) -> None:
    policy = CertsPolicy()
    with VaultCA(settings(vault)) as ca:
        init_ca(ca, policy)
        issued = issue_service(
            ca,
            store_for(repo, policy),
            policy,
            "api",
            sans=["api.internal", "localhost"],
            ips=["127.0.0.1"],
            ttl="2d",
            key_type=key_type,  # type: ignore[arg-type]
        )
        root_pem = ca.trust_bundle()
    d = repo / "certs" / "api"
    cert = x509.load_pem_x509_certificate((d / "cert.pem").read_bytes())
    san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert set(san.get_values_for_type(x509.DNSName)) == {"api.internal", "localhost"}
    assert issued.serial == serial_from_int(cert.serial_number)
    assert (repo / "certs" / "ca.pem").read_bytes() == root_pem
    chain = x509.load_pem_x509_certificates((d / "chain.pem").read_bytes())
    assert [c.subject.rfc4514_string() for c in chain] == [
        "CN=Gatekeeper Internal Issuing CA,O=Gatekeeper"
    ]
    done = subprocess.run(
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
    assert done.returncode == 0, done.stderr


@pytest.mark.slow
def test_revoke_appears_in_the_crl(vault: VaultEnv, repo: Path) -> None:
    policy = CertsPolicy()
    with VaultCA(settings(vault)) as ca:
        init_ca(ca, policy)
        store = store_for(repo, policy)
        issued = issue_service(ca, store, policy, "api")
        assert revoke(ca, store, service="api") == issued.serial
        crl = x509.load_pem_x509_crl(ca.crl_pem())
        serial = int(issued.serial.replace(":", ""), 16)
        assert crl.get_revoked_certificate_by_serial_number(serial) is not None
        published = x509.load_pem_x509_crl((repo / "certs" / "crl.pem").read_bytes())
        assert published.get_revoked_certificate_by_serial_number(serial) is not None
        with pytest.raises(CertificateError, match="not found"):
            ca.revoke("01:02:03")
        with pytest.raises(CertificateError, match="name a service or a serial"):
            revoke(ca, store)


@pytest.mark.slow
def test_vault_role_is_enforced_server_side_too(vault: VaultEnv) -> None:
    policy = CertsPolicy()
    with VaultCA(settings(vault)) as ca:
        init_ca(ca, policy)
        loose = from_mapping(
            CertsPolicy, {"roles": {"service": {"allowed_domains": ["example.com"]}}}
        )
        with pytest.raises(
            CertificateError, match="Vault refused issuing a certificate for api.example.com"
        ):
            ca.issue(make_request(loose, "api"))


@pytest.mark.slow
def test_not_initialized(vault: VaultEnv, repo: Path) -> None:
    policy = CertsPolicy()
    with VaultCA(settings(vault)) as ca:
        with pytest.raises(ConfigError, match="no such path") as info:
            issue_service(ca, store_for(repo, policy), policy, "api")
        assert info.value.hint is not None and "certs init" in info.value.hint
        ca.client.sys.enable_secrets_engine("pki", path=vault.root_mount)
        with pytest.raises(ConfigError, match="no root CA yet"):
            ca.trust_bundle()
        init_ca(ca, from_mapping(CertsPolicy, {"roles": {"service": {"key_types": ["ec"]}}}))
        with pytest.raises(ConfigError, match="unknown role"):
            ca.issue(make_request(policy, "api", key_type="rsa"))


@pytest.mark.slow
def test_bad_token_is_an_auth_error_without_the_token(vault: VaultEnv) -> None:
    secret = "s.this-token-must-never-be-printed"
    with VaultCA(replace(settings(vault), token=Secret(secret))) as ca:
        with pytest.raises(AuthenticationError) as info:
            ca.trust_bundle()
    text = f"{info.value} {info.value.hint} {info.value!r}"
    assert "permission denied" in text
    assert secret not in text


@pytest.mark.slow
def test_approle_login(vault: VaultEnv, repo: Path) -> None:
    admin = hvac.Client(url=vault.bao.addr, token=vault.bao.token)
    policy = CertsPolicy()
    with VaultCA(settings(vault)) as ca:
        init_ca(ca, policy)
    mount = f"approle-{vault.int_mount}"
    admin.sys.enable_auth_method("approle", path=mount)
    admin.sys.create_or_update_policy(
        f"issue-{vault.int_mount}",
        f'path "{vault.int_mount}/issue/*" {{ capabilities = ["update"] }}\n'
        f'path "{vault.root_mount}/cert/ca" {{ capabilities = ["read"] }}\n',
    )
    admin.auth.approle.create_or_update_approle(
        "gk", token_policies=[f"issue-{vault.int_mount}"], mount_point=mount
    )
    role_id = admin.auth.approle.read_role_id("gk", mount_point=mount)["data"]["role_id"]
    secret_id = admin.auth.approle.generate_secret_id("gk", mount_point=mount)["data"]["secret_id"]
    app = VaultSettings(
        addr=vault.bao.addr,
        token=None,
        role_id=role_id,
        secret_id=secret_id,
        approle_mount=mount,
        root_mount=vault.root_mount,
        int_mount=vault.int_mount,
    )
    with VaultCA(app) as ca:
        issued = issue_service(ca, store_for(repo, policy), policy, "api")
        assert issued.serial
        with pytest.raises(AuthenticationError, match="permission denied"):
            ca.revoke(issued.serial)  # the AppRole policy only allows issuing
    with pytest.raises(AuthenticationError, match="AppRole login") as info:
        VaultCA(replace(app, secret_id=Secret("wrong-secret-id-value")))
    assert "wrong-secret-id-value" not in str(info.value)


@pytest.mark.slow
def test_unreachable_vault_retries_then_gives_up(vault: VaultEnv) -> None:
    sleeps: list[float] = []
    dead = VaultSettings(
        addr=f"http://127.0.0.1:{free_port()}",
        token=Secret("t"),
        retries=3,
        backoff=0.5,
        backoff_max=1.0,
    )
    with VaultCA(dead, sleep=sleeps.append) as ca:
        with pytest.raises(BackendUnavailable, match="ConnectionError after 3 attempts"):
            ca.trust_bundle()
    assert len(sleeps) == 2
    assert 0 <= sleeps[0] <= 0.5 and 0 <= sleeps[1] <= 1.0


@pytest.mark.slow
def test_sealed_vault_is_unavailable() -> None:
    with bao_server() as own:
        client = hvac.Client(url=own.addr, token=own.token)
        client.sys.seal()
        sleeps: list[float] = []
        sealed = VaultSettings(addr=own.addr, token=Secret(own.token), retries=2, backoff=0.01)
        with VaultCA(sealed, sleep=sleeps.append) as ca:
            with pytest.raises(
                BackendUnavailable, match="HTTP 503 .unavailable or sealed. after 2 attempts"
            ):
                ca.trust_bundle()
        assert len(sleeps) == 1


@pytest.mark.slow
def test_other_vault_errors_are_backend_errors(vault: VaultEnv) -> None:
    with VaultCA(settings(vault)) as ca:

        def boom() -> None:
            raise hv.InternalServerError("internal error, on get http://x/v1/y")

        with pytest.raises(BackendError, match=r"Vault failed \(probe\): internal error$"):
            ca._call("probe", boom)

        def empty() -> None:
            raise hv.UnexpectedError("")

        with pytest.raises(BackendError, match="UnexpectedError"):
            ca._call("probe", empty)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"addr": "http://vault.example.com:8200"}, "refusing plain HTTP to vault.example.com"),
        ({"addr": "ftp://127.0.0.1"}, "must be an http"),
        ({"addr": "http://"}, "must be an http"),
        ({"addr": ""}, "VAULT_ADDR is not set"),
        ({"cacert": Path("/nonexistent/ca.pem")}, "VAULT_CACERT does not name a file"),
        ({"token": None}, "no Vault credentials"),
    ],
)
def test_settings_errors(vault: VaultEnv, changes: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        VaultCA(replace(settings(vault), **changes))


@pytest.mark.slow
def test_loopback_names_allowed_over_http(vault: VaultEnv, tmp_path: Path) -> None:
    port = vault.bao.addr.rsplit(":", 1)[1]
    bundle = tmp_path / "ca.pem"
    bundle.write_text("unused for plain HTTP")
    for addr in (f"http://localhost:{port}", f"http://[::1]:{port}"):
        VaultCA(replace(settings(vault), addr=addr, cacert=bundle)).close()


def test_backend_vault_without_addr_and_invalid_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ConfigError, match="VAULT_ADDR is not set"):
        open_authority(CertsPolicy(backend="vault"))
    monkeypatch.setenv("VAULT_ADDR", "http://127.0.0.1:1")
    monkeypatch.setenv("VAULT_TOKEN", "top-secret-token")
    monkeypatch.setenv("GATEKEEPER_VAULT_RETRIES", "many")
    with pytest.raises(ConfigError, match="invalid setting GATEKEEPER_VAULT_RETRIES") as info:
        open_authority(CertsPolicy())
    assert "top-secret-token" not in str(info.value)
    monkeypatch.setenv("GATEKEEPER_VAULT_RETRIES", "1")
    ca = open_authority(CertsPolicy(backend="local"))
    assert ca.backend == "local"


@pytest.mark.slow
def test_a_token_pasted_with_a_carriage_return_works(vault: VaultEnv) -> None:
    pasted = replace(settings(vault), token=Secret(f"{vault.bao.token}\r\n"))
    assert pasted.token == Secret(vault.bao.token)
    with VaultCA(pasted) as ca:
        assert "secret/" in ca._call("listing mounts", ca.client.sys.list_mounted_secrets_engines)


@pytest.mark.parametrize("token", ["hvs.tøken-value", "hvs.a\rb-value", "hvs.a b-value"])
def test_a_token_that_cannot_be_sent_is_refused_without_showing_it(token: str) -> None:
    with pytest.raises(ConfigError, match="invalid setting VAULT_TOKEN: contains") as info:
        VaultSettings(addr="http://127.0.0.1:1", token=Secret(token))
    assert "value" not in str(info.value)


def test_a_vault_answering_200_with_html_is_unavailable() -> None:
    from tests.net.fakes import answering_server

    with answering_server(b"<html>sign in</html>") as addr:
        with VaultCA(VaultSettings(addr=addr, token=Secret("t"))) as ca:
            with pytest.raises(BackendUnavailable, match="unexpected answer .reading the CA"):
                ca.trust_bundle()


def test_vault_addr_port_out_of_range_and_passwords_never_shown() -> None:
    with pytest.raises(ConfigError, match="VAULT_ADDR is not a valid URL .invalid port"):
        VaultCA(VaultSettings(addr="http://127.0.0.1:99999", token=Secret("t")))
    addr = f"http://ops:pa55word@127.0.0.1:{free_port()}"
    dead = VaultSettings(addr=addr, token=Secret("t"), retries=1)
    with VaultCA(dead) as ca, pytest.raises(BackendUnavailable) as info:
        ca.trust_bundle()
    assert "pa55word" not in str(info.value) and "ops:***@127.0.0.1" in str(info.value)
    assert ca.where == f"http://ops:***@127.0.0.1:{addr.rsplit(':', 1)[1]}"
