"""How to reach Vault or OpenBao: ``VAULT_*`` and ``GATEKEEPER_VAULT_*``, with pydantic-settings.

Imported only when Vault is the backend (``VAULT_ADDR`` set, or ``certs.backend = "vault"``), so
the local CA never pays for pydantic. A field not passed to the constructor is read from its
environment variable (an empty variable counts as unset), every value is checked against its
bounds, and tokens are :class:`~pydantic.SecretStr`, so they never show in a ``repr``. A bad
value is a :class:`~gatekeeper.errors.ConfigError` naming the variable and the rule, never the
value.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import Field, SecretStr, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from gatekeeper.errors import ConfigError


def _env(name: str, default: Any = None, **bounds: Any) -> Any:
    return Field(default=default, validation_alias=name, **bounds)


class VaultSettings(BaseSettings):
    """How to reach Vault or OpenBao. ``addr`` unset means: use the local CA."""

    model_config = SettingsConfigDict(
        frozen=True,
        extra="ignore",
        env_ignore_empty=True,
        populate_by_name=True,
        case_sensitive=True,
        allow_inf_nan=False,
    )

    addr: str | None = _env("VAULT_ADDR")
    token: SecretStr | None = _env("VAULT_TOKEN")
    role_id: str | None = _env("VAULT_ROLE_ID")
    secret_id: SecretStr | None = _env("VAULT_SECRET_ID")
    namespace: str | None = _env("VAULT_NAMESPACE")
    cacert: Path | None = _env("VAULT_CACERT")
    #: Mount of the root CA's PKI engine.
    root_mount: str = _env("GATEKEEPER_PKI_ROOT_MOUNT", "pki")
    #: Mount of the intermediate CA's PKI engine, which issues and revokes.
    int_mount: str = _env("GATEKEEPER_PKI_INT_MOUNT", "pki_int")
    #: Mount of the AppRole auth method.
    approle_mount: str = _env("GATEKEEPER_VAULT_APPROLE_MOUNT", "approle")
    #: Attempts per request when Vault is unreachable or sealed (1 = no retry).
    retries: int = _env("GATEKEEPER_VAULT_RETRIES", 5, ge=1, le=20)
    #: First backoff delay in seconds; doubles per attempt, with full jitter.
    backoff: float = _env("GATEKEEPER_VAULT_BACKOFF", 0.2, ge=0, le=30)
    #: Upper bound of one backoff delay in seconds.
    backoff_max: float = _env("GATEKEEPER_VAULT_BACKOFF_MAX", 5.0, ge=0, le=300)
    #: Timeout of one HTTP request in seconds.
    timeout: float = _env("GATEKEEPER_VAULT_TIMEOUT", 10.0, gt=0, le=300)

    def __init__(self, **values: Any) -> None:
        try:
            super().__init__(**values)
        except ValidationError as exc:
            raise ConfigError(describe(exc)) from None

    def replace(self, **changes: Any) -> VaultSettings:
        """A copy with ``changes``, validated like the original (unlike ``model_copy``)."""
        current = {name: getattr(self, name) for name in type(self).model_fields}
        return VaultSettings(**{**current, **changes})


def describe(exc: ValidationError) -> str:
    """Every problem as ``invalid setting VARIABLE: rule``; pydantic's own text would show the
    offending value, which may be a secret."""
    fields = VaultSettings.model_fields
    problems = []
    for error in exc.errors(include_input=False, include_url=False):
        name = str(error["loc"][0]) if error["loc"] else "?"
        alias = fields[name].validation_alias if name in fields else None
        problems.append(
            f"invalid setting {alias if isinstance(alias, str) else name}: {error['msg']}"
        )
    return "; ".join(problems)
