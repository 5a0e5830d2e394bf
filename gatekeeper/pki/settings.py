"""Settings of the local CA, read from the environment (standard library only), and whether
Vault is configured.

Local CA: ``GATEKEEPER_CA_DIR`` and ``GATEKEEPER_CA_PASSPHRASE``; the passphrase is a
:class:`Secret`, so it never shows up in a ``repr`` or an error message. Vault's settings are
:class:`gatekeeper.pki.vault_settings.VaultSettings` (pydantic-settings). The local CA is the
default, used on every ``certs`` command of a repository without Vault, so this path reads its
two variables without pydantic: importing it would cost more than issuing a certificate. Like
pydantic-settings, a field not passed to the constructor is read from its environment variable
(an empty variable counts as unset), and a bad value is a
:class:`~gatekeeper.errors.ConfigError` naming the variable, never its value.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


class Secret:
    """A string that shows as ``**********`` in ``repr`` and ``str`` (like pydantic's SecretStr)."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def get_secret_value(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('**********')"

    def __str__(self) -> str:
        return "**********"

    def __len__(self) -> int:
        return len(self._value)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)


def default_ca_dir() -> Path:
    """The per-user data directory of the local CA (XDG ``$XDG_DATA_HOME/gatekeeper/ca``)."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "gatekeeper" / "ca"


def _from_env(name: str) -> Any:
    return os.environ.get(name) or None  # an empty variable counts as unset


@dataclass(frozen=True, kw_only=True)
class LocalSettings:
    """Where the local CA keeps its state, and the passphrase that encrypts its keys."""

    ca_dir: Path = field(
        default_factory=lambda: Path(_from_env("GATEKEEPER_CA_DIR") or default_ca_dir())
    )
    passphrase: Secret | None = field(
        default_factory=lambda: _secret(_from_env("GATEKEEPER_CA_PASSPHRASE"))
    )

    def __post_init__(self) -> None:  # accept a str for either, like pydantic would
        object.__setattr__(self, "ca_dir", Path(self.ca_dir))
        object.__setattr__(self, "passphrase", _secret(self.passphrase))


def _secret(value: Secret | str | None) -> Secret | None:
    return Secret(value) if isinstance(value, str) else value


def vault_addr() -> str | None:
    """``VAULT_ADDR`` if set and not empty: whether ``backend = "auto"`` picks Vault."""
    return os.environ.get("VAULT_ADDR") or None
