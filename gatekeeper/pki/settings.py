"""Settings for the CA backends, read from the environment (pydantic-settings).

Vault/OpenBao: ``VAULT_ADDR``, ``VAULT_TOKEN``, ``VAULT_ROLE_ID``/``VAULT_SECRET_ID`` (AppRole),
``VAULT_NAMESPACE``, ``VAULT_CACERT``, the mount paths and the retry budget. Local CA:
``GATEKEEPER_CA_DIR`` and ``GATEKEEPER_CA_PASSPHRASE``. Secrets are :class:`SecretStr` so they
never show up in a ``repr`` or an error message.
"""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


def default_ca_dir() -> Path:
    """The per-user data directory of the local CA (XDG ``$XDG_DATA_HOME/gatekeeper/ca``)."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "gatekeeper" / "ca"


def _env(name: str) -> AliasChoices:
    return AliasChoices(name)


class VaultSettings(BaseSettings):
    """How to reach Vault or OpenBao. ``addr`` unset means: use the local CA."""

    model_config = SettingsConfigDict(extra="ignore", frozen=True, populate_by_name=True)

    addr: str | None = Field(default=None, validation_alias=_env("VAULT_ADDR"))
    token: SecretStr | None = Field(default=None, validation_alias=_env("VAULT_TOKEN"))
    role_id: str | None = Field(default=None, validation_alias=_env("VAULT_ROLE_ID"))
    secret_id: SecretStr | None = Field(default=None, validation_alias=_env("VAULT_SECRET_ID"))
    namespace: str | None = Field(default=None, validation_alias=_env("VAULT_NAMESPACE"))
    cacert: Path | None = Field(default=None, validation_alias=_env("VAULT_CACERT"))
    #: Mount of the root CA's PKI engine.
    root_mount: str = Field(default="pki", validation_alias=_env("GATEKEEPER_PKI_ROOT_MOUNT"))
    #: Mount of the intermediate CA's PKI engine, which issues and revokes.
    int_mount: str = Field(default="pki_int", validation_alias=_env("GATEKEEPER_PKI_INT_MOUNT"))
    #: Mount of the AppRole auth method.
    approle_mount: str = Field(
        default="approle", validation_alias=_env("GATEKEEPER_VAULT_APPROLE_MOUNT")
    )
    #: Attempts per request when Vault is unreachable or sealed (1 = no retry).
    retries: int = Field(default=5, ge=1, le=20, validation_alias=_env("GATEKEEPER_VAULT_RETRIES"))
    #: First backoff delay in seconds; doubles per attempt, with full jitter.
    backoff: float = Field(
        default=0.2, ge=0, le=30, validation_alias=_env("GATEKEEPER_VAULT_BACKOFF")
    )
    #: Upper bound of one backoff delay in seconds.
    backoff_max: float = Field(
        default=5.0, ge=0, le=300, validation_alias=_env("GATEKEEPER_VAULT_BACKOFF_MAX")
    )
    #: Timeout of one HTTP request in seconds.
    timeout: float = Field(
        default=10.0, gt=0, le=300, validation_alias=_env("GATEKEEPER_VAULT_TIMEOUT")
    )


class LocalSettings(BaseSettings):
    """Where the local CA keeps its state, and the passphrase that encrypts its keys."""

    model_config = SettingsConfigDict(extra="ignore", frozen=True, populate_by_name=True)

    ca_dir: Path = Field(default_factory=default_ca_dir, validation_alias=_env("GATEKEEPER_CA_DIR"))
    passphrase: SecretStr | None = Field(
        default=None, validation_alias=_env("GATEKEEPER_CA_PASSPHRASE")
    )
