"""Secrets from Vault or OpenBao (KV version 2), as a pydantic-settings source.

The source reads one KV v2 secret (``<mount>/data/<path>``) and fills every settings field whose
name matches one of the secret's keys (case-insensitively); other keys are ignored, so one secret
can serve several services. Plain HTTP is accepted only for a server on loopback (a dev server);
anything else must be HTTPS with certificate verification (``VAULT_CACERT`` names the CA bundle).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from pydantic_settings import PydanticBaseSettingsSource

from gatekeeper.errors import AuthenticationError, BackendUnavailable, ConfigError
from gatekeeper.net import is_loopback

if TYPE_CHECKING:
    from pydantic.fields import FieldInfo
    from pydantic_settings import BaseSettings

TIMEOUT_S = 10.0


def check_address(addr: str) -> None:
    """Refuse a Vault address that would send the token unencrypted over a network."""
    parts = urlsplit(addr)
    if parts.scheme == "https" and parts.hostname:
        return
    if parts.scheme == "http" and parts.hostname and is_loopback(parts.hostname):
        return
    raise ConfigError(
        "VAULT_ADDR must be an https:// URL (plain http is accepted only on loopback)",
        hint="set VAULT_ADDR=https://vault.example:8200 and VAULT_CACERT=<ca bundle>",
    )


class VaultSettingsSource(PydanticBaseSettingsSource):
    """Settings values from one KV v2 secret. Reads the secret once, on first call."""

    def __init__(
        self,
        settings_cls: type[BaseSettings],
        *,
        addr: str,
        token: str,
        path: str,
        mount: str = "secret",
        verify: bool | str = True,
    ) -> None:
        super().__init__(settings_cls)
        check_address(addr)
        self.addr = addr
        self.path = path
        self.mount = mount
        self._token = token
        self._verify = verify
        self._data: Mapping[str, Any] | None = None
        #: Set when the secret does not exist (the fields it would fill are then missing).
        self.note: str | None = None

    @property
    def where(self) -> str:
        return f"Vault secret {self.mount}/{self.path}"

    def _read(self) -> Mapping[str, Any]:
        import hvac
        import hvac.exceptions
        import requests

        client = hvac.Client(
            url=self.addr, token=self._token, verify=self._verify, timeout=TIMEOUT_S
        )
        try:
            response = client.secrets.kv.v2.read_secret_version(
                path=self.path, mount_point=self.mount, raise_on_deleted_version=True
            )
        except hvac.exceptions.InvalidPath:
            self.note = f"{self.where} does not exist"
            return {}
        except (hvac.exceptions.Forbidden, hvac.exceptions.Unauthorized):
            raise AuthenticationError(
                f"Vault refused to read {self.where} (permission denied)",
                hint="check VAULT_TOKEN and the token's policy",
            ) from None
        except (requests.exceptions.RequestException, hvac.exceptions.VaultError) as exc:
            raise BackendUnavailable(
                f"cannot read {self.where} from {self.addr}: {exc.__class__.__name__}"
            ) from None
        data: Mapping[str, Any] = response["data"]["data"]
        return data

    def _secret(self) -> Mapping[str, Any]:
        if self._data is None:
            self._data = self._read()
        return self._data

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        lowered = {str(k).lower(): v for k, v in self._secret().items()}
        return lowered.get(field_name.lower()), field_name, False

    def __call__(self) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for name, field in self.settings_cls.model_fields.items():
            value, key, _ = self.get_field_value(field, name)
            if value is not None:
                values[key] = value
        return values
