"""Secrets from Vault or OpenBao (KV version 2), as a pydantic-settings source.

The source reads one KV v2 secret (``<mount>/data/<path>``) and fills every settings field whose
name matches one of the secret's keys (case-insensitively); other keys are ignored, so one secret
can serve several services. Plain HTTP is accepted only for a server on loopback (a dev server);
anything else must be HTTPS with certificate verification (``VAULT_CACERT`` names the CA bundle).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from pydantic_settings import PydanticBaseSettingsSource

from gatekeeper.errors import AuthenticationError, BackendUnavailable, ConfigError
from gatekeeper.net.retry import RetryPolicy
from gatekeeper.net.urls import check_url, redact

if TYPE_CHECKING:
    from pydantic.fields import FieldInfo
    from pydantic_settings import BaseSettings

TIMEOUT_S = 10.0
#: Three attempts, within half a minute for the one read.
POLICY = RetryPolicy(attempts=3, deadline=30.0)
#: A settings secret is a few kilobytes.
MAX_ANSWER = 4 * 1024**2


def check_address(addr: str) -> None:
    """Refuse a Vault address that would send the token unencrypted over a network."""
    check_url(addr, "VAULT_ADDR", ConfigError)


def check_token(token: str) -> str:
    """The token without surrounding whitespace (a file's trailing ``\r`` or newline);
    refused, without showing it, when what is left cannot travel in an HTTP header."""
    token = token.strip()
    if not token or not token.isascii() or not token.isprintable() or " " in token:
        raise ConfigError(
            "VAULT_TOKEN is empty or contains whitespace, control or non-ASCII characters"
        )
    return token


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
        ca_bundle: str | None = None,
    ) -> None:
        super().__init__(settings_cls)
        check_address(addr)
        self.addr = addr
        self.path = path
        self.mount = mount
        self._token = check_token(token)
        self._ca_bundle = ca_bundle
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

        from gatekeeper.net.errors import map_error
        from gatekeeper.net.session import session

        http = session(
            POLICY,
            what="Vault",
            setting="VAULT_ADDR",
            error=ConfigError,
            max_bytes=MAX_ANSWER,
            ca_bundle=self._ca_bundle,
        )
        client = hvac.Client(
            url=self.addr, token=self._token, verify=http.verify, timeout=TIMEOUT_S, session=http
        )
        try:
            response = client.secrets.kv.v2.read_secret_version(
                path=self.path, mount_point=self.mount, raise_on_deleted_version=True
            )
            data: Mapping[str, Any] = response["data"]["data"]
        except hvac.exceptions.InvalidPath:
            self.note = f"{self.where} does not exist"
            return {}
        except (hvac.exceptions.Forbidden, hvac.exceptions.Unauthorized):
            raise AuthenticationError(
                f"Vault refused to read {self.where} (permission denied)",
                hint="check VAULT_TOKEN and the token's policy",
            ) from None
        except (requests.RequestException, hvac.exceptions.VaultError, UnicodeError) as exc:
            raise map_error(
                exc,
                f"Vault (reading {self.mount}/{self.path})",
                self.addr,
                setting="VAULT_ADDR",
                attempts=POLICY.attempts,
            ) from None
        except (KeyError, TypeError):  # 200 with non-JSON, or JSON without the secret's data
            raise BackendUnavailable(
                f"Vault sent an unexpected answer reading {self.where}", path=redact(self.addr)
            ) from None
        finally:
            http.close()
        if not isinstance(data, Mapping):
            raise BackendUnavailable(
                f"Vault sent an unexpected answer reading {self.where}", path=redact(self.addr)
            )
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
