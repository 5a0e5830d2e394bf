"""Backend settings from the environment: types, bounds, secrets, and precedence."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from gatekeeper.errors import ConfigError
from gatekeeper.pki.factory import open_authority
from gatekeeper.pki.settings import LocalSettings, Secret, VaultSettings, vault_addr
from gatekeeper.policy.model import CertsPolicy


def test_defaults_without_environment() -> None:
    settings = VaultSettings()
    assert settings.addr is None and settings.token is None and settings.cacert is None
    assert (settings.root_mount, settings.int_mount, settings.approle_mount) == (
        "pki",
        "pki_int",
        "approle",
    )
    assert (settings.retries, settings.backoff, settings.backoff_max, settings.timeout) == (
        5,
        0.2,
        5.0,
        10.0,
    )


def test_environment_is_read_and_typed(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("VAULT_ADDR", "https://vault.example:8200")
    monkeypatch.setenv("VAULT_TOKEN", "s.very-secret")
    monkeypatch.setenv("VAULT_CACERT", str(tmp_path / "ca.pem"))
    monkeypatch.setenv("GATEKEEPER_VAULT_RETRIES", "7")
    monkeypatch.setenv("GATEKEEPER_VAULT_TIMEOUT", "2.5")
    monkeypatch.setenv("GATEKEEPER_VAULT_BACKOFF", "")  # empty: unset
    settings = VaultSettings(int_mount="issuing")  # arguments win over the environment
    assert settings.addr == "https://vault.example:8200" == vault_addr()
    assert isinstance(settings.token, Secret)
    assert settings.token.get_secret_value() == "s.very-secret"
    assert settings.cacert == tmp_path / "ca.pem"
    assert (settings.retries, settings.timeout, settings.backoff) == (7, 2.5, 0.2)
    assert settings.int_mount == "issuing"
    assert "very-secret" not in repr(settings)


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("GATEKEEPER_VAULT_RETRIES", "many", "expected an integer"),
        ("GATEKEEPER_VAULT_RETRIES", "2.5", "expected an integer"),
        ("GATEKEEPER_VAULT_RETRIES", "0", "must be at least 1 and at most 20"),
        ("GATEKEEPER_VAULT_RETRIES", "21", "must be at least 1 and at most 20"),
        ("GATEKEEPER_VAULT_BACKOFF", "nan", "must be at least 0 and at most 30"),
        ("GATEKEEPER_VAULT_BACKOFF_MAX", "fast", "expected a number"),
        ("GATEKEEPER_VAULT_TIMEOUT", "0", "must be above 0 and at most 300"),
    ],
)
def test_bad_values_name_the_variable_not_the_value(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, message: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError, match=f"invalid setting {name}: {message}") as info:
        VaultSettings()
    assert f": {value}" not in str(info.value)


def test_bounds_apply_to_arguments_too() -> None:
    with pytest.raises(ConfigError, match="invalid setting GATEKEEPER_VAULT_RETRIES"):
        replace(VaultSettings(), retries=99)


def test_secret_never_shows() -> None:
    secret = Secret("hunter2")
    assert repr(secret) == "Secret('**********')"
    assert str(secret) == "**********"
    assert len(secret) == 7 and not Secret("")
    assert secret == Secret("hunter2") != Secret("other")
    assert secret != "hunter2"
    assert hash(secret) == hash(Secret("hunter2"))


def test_local_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("GATEKEEPER_CA_DIR", str(tmp_path / "ca"))
    monkeypatch.setenv("GATEKEEPER_CA_PASSPHRASE", "pass phrase")
    settings = LocalSettings()
    assert settings.ca_dir == tmp_path / "ca"
    assert settings.passphrase == Secret("pass phrase")
    explicit = LocalSettings(ca_dir=str(tmp_path / "x"), passphrase=Secret("p"))  # type: ignore[arg-type]  # a str path is accepted
    assert explicit.ca_dir == tmp_path / "x"
    assert explicit.passphrase == Secret("p")


def test_local_backend_ignores_vault_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GATEKEEPER_VAULT_RETRIES", "many")  # only read when Vault is used
    assert open_authority(CertsPolicy()).backend == "local"
    monkeypatch.setenv("VAULT_ADDR", "")
    assert vault_addr() is None
    assert open_authority(CertsPolicy()).backend == "local"
