"""The Vault/OpenBao KV v2 source, against a real ``bao server -dev``."""

from __future__ import annotations

from pathlib import Path

import hvac
import pytest

from gatekeeper.errors import AuthenticationError, BackendUnavailable, ConfigError
from gatekeeper.service.config import ServiceSettings, check_settings, load_settings
from gatekeeper.service.discover import load_service
from gatekeeper.service.vault import VaultSettingsSource, check_address
from tests.servers import Bao, free_port
from tests.service.conftest import MakeService

KEY = "vault-api-key-123"
FILES = {"production": "port = 1\n", "staging": "port = 2\n"}


@pytest.fixture(scope="module")
def client(bao: Bao) -> hvac.Client:
    client = hvac.Client(url=bao.addr, token=bao.token)
    client.secrets.kv.v2.create_or_update_secret(
        path="demo-svc/production",
        secret={"API_KEY": KEY, "unrelated": "x", "port": "7"},
        mount_point="secret",
    )
    client.secrets.kv.v2.create_or_update_secret(
        path="shared/custom", secret={"api_key": "custom-key-0001"}, mount_point="secret"
    )
    return client


def _model(make_service: MakeService) -> type[ServiceSettings]:
    model = load_service(make_service(FILES)).model
    assert issubclass(model, ServiceSettings)
    return model


@pytest.mark.slow
def test_secret_from_vault_fills_matching_fields(
    make_service: MakeService, bao: Bao, client: hvac.Client
) -> None:
    model = _model(make_service)
    environ = {"APP_ENV": "production", "VAULT_ADDR": bao.addr, "VAULT_TOKEN": bao.token}
    settings = load_settings(model, environ=environ)
    assert settings.api_key.get_secret_value() == KEY  # type: ignore[attr-defined]
    assert settings.port == 7  # type: ignore[attr-defined]  # Vault wins over files
    settings = load_settings(model, environ={**environ, "APP_PORT": "9"})
    assert settings.port == 9  # type: ignore[attr-defined]  # the environment wins over Vault
    report, _ = check_settings(model, "production", environ=environ)
    assert report.origins["api_key"] == "Vault secret secret/demo-svc/production"


@pytest.mark.slow
def test_custom_mount_and_path(make_service: MakeService, bao: Bao, client: hvac.Client) -> None:
    model = _model(make_service)
    environ = {
        "APP_ENV": "staging",
        "VAULT_ADDR": bao.addr,
        "VAULT_TOKEN": bao.token,
        "APP_VAULT_PATH": "shared/custom",
        "APP_VAULT_MOUNT": "secret",
    }
    settings = load_settings(model, environ=environ)
    assert settings.api_key.get_secret_value() == "custom-key-0001"  # type: ignore[attr-defined]


@pytest.mark.slow
def test_missing_secret_is_a_note_and_the_fields_are_missing(
    make_service: MakeService, bao: Bao, client: hvac.Client
) -> None:
    model = _model(make_service)
    environ = {"APP_ENV": "staging", "VAULT_ADDR": bao.addr, "VAULT_TOKEN": bao.token}
    with pytest.raises(ConfigError) as exc:
        load_settings(model, environ=environ)
    text = str(exc.value)
    assert "note: Vault secret secret/demo-svc/staging does not exist" in text
    assert "APP_API_KEY (api_key): required setting is missing" in text


@pytest.mark.slow
def test_refused_token_is_an_authentication_error(
    make_service: MakeService, bao: Bao, client: hvac.Client
) -> None:
    model = _model(make_service)
    weak = client.auth.token.create(policies=["default"], ttl="5m")["auth"]["client_token"]
    environ = {"APP_ENV": "production", "VAULT_ADDR": bao.addr, "VAULT_TOKEN": weak}
    with pytest.raises(AuthenticationError) as exc:
        load_settings(model, environ=environ)
    assert exc.value.exit_code == 3
    assert weak not in str(exc.value)


def test_unreachable_vault_is_a_backend_error(make_service: MakeService) -> None:
    model = _model(make_service)
    addr = f"http://127.0.0.1:{free_port()}"
    environ = {"APP_ENV": "production", "VAULT_ADDR": addr, "VAULT_TOKEN": "t"}
    with pytest.raises(BackendUnavailable, match="reading .* is unreachable"):
        load_settings(model, environ=environ)


def test_vault_needs_a_token_and_tls_off_loopback(make_service: MakeService) -> None:
    model = _model(make_service)
    with pytest.raises(ConfigError, match="VAULT_TOKEN is not"):
        load_settings(model, environ={"APP_ENV": "production", "VAULT_ADDR": "http://127.0.0.1"})
    with pytest.raises(ConfigError, match="refusing plain HTTP"):
        load_settings(
            model,
            environ={
                "APP_ENV": "production",
                "VAULT_ADDR": "http://vault.example:8200",
                "VAULT_TOKEN": "t",
            },
        )


@pytest.mark.parametrize(
    ("addr", "ok"),
    [
        ("https://vault.example:8200", True),
        ("http://localhost:8200", True),
        ("http://[::1]:8200", True),
        ("http://127.0.0.2:8200", True),
        ("http://10.0.0.1:8200", False),
        ("ftp://127.0.0.1", False),
        ("https://", False),
    ],
)
def test_check_address(addr: str, ok: bool) -> None:
    if ok:
        check_address(addr)
    else:
        with pytest.raises(ConfigError):
            check_address(addr)


@pytest.mark.slow
def test_source_reads_once_and_answers_per_field(
    make_service: MakeService, bao: Bao, client: hvac.Client, tmp_path: Path
) -> None:
    model = _model(make_service)
    source = VaultSettingsSource(model, addr=bao.addr, token=bao.token, path="demo-svc/production")
    field = model.model_fields["api_key"]
    assert source.get_field_value(field, "api_key") == (KEY, "api_key", False)
    assert source.get_field_value(field, "name") == (None, "name", False)
    assert source() == {"api_key": KEY, "port": "7"}


@pytest.mark.slow
def test_a_token_read_from_a_file_is_stripped_and_never_shown(
    make_service: MakeService, bao: Bao, client: hvac.Client
) -> None:
    model = _model(make_service)
    pasted = VaultSettingsSource(
        model, addr=bao.addr, token=f" {bao.token}\r\n", path="demo-svc/production"
    )
    assert pasted()["api_key"] == KEY
    for bad in ("hvs.tøken-secret", "hvs.two\rparts-secret", " \r\n"):
        with pytest.raises(ConfigError, match="VAULT_TOKEN is empty or contains") as info:
            VaultSettingsSource(model, addr=bao.addr, token=bad, path="x")
        assert "secret" not in str(info.value).replace("Vault secret", "")


@pytest.mark.parametrize(
    "body", [b"<html>a proxy login page</html>", b'{"data": {"data": ["not", "a", "table"]}}']
)
def test_a_vault_answering_nonsense_is_a_backend_error(
    make_service: MakeService, body: bytes
) -> None:
    from tests.net.fakes import answering_server

    model = _model(make_service)
    with answering_server(body) as addr:
        source = VaultSettingsSource(model, addr=addr, token="t", path="demo-svc/production")
        with pytest.raises(BackendUnavailable, match="unexpected answer reading Vault secret"):
            source()


def test_a_vault_addr_with_a_bad_port_or_a_password(make_service: MakeService) -> None:
    model = _model(make_service)
    with pytest.raises(ConfigError, match="VAULT_ADDR is not a valid URL .invalid port"):
        VaultSettingsSource(model, addr="http://127.0.0.1:99999", token="t", path="x")
    addr = f"http://ops:pa55word@127.0.0.1:{free_port()}"
    with pytest.raises(BackendUnavailable) as info:
        VaultSettingsSource(model, addr=addr, token="t", path="x")()
    assert "pa55word" not in str(info.value) and "ops:***@127.0.0.1" in str(info.value)
