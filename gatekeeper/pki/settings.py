"""Settings for the CA backends, read from the environment (standard library only).

Vault/OpenBao: ``VAULT_ADDR``, ``VAULT_TOKEN``, ``VAULT_ROLE_ID``/``VAULT_SECRET_ID`` (AppRole),
``VAULT_NAMESPACE``, ``VAULT_CACERT``, the mount paths and the retry budget and deadline. Local CA:
``GATEKEEPER_CA_DIR`` and ``GATEKEEPER_CA_PASSPHRASE``. Secrets are :class:`Secret` so they
never show up in a ``repr`` or an error message.

Like pydantic-settings, a field not passed to the constructor is read from its environment
variable (an empty variable counts as unset), and every value is checked against its bounds:
a bad value is a :class:`~gatekeeper.errors.ConfigError` naming the variable, never its value.
These are a dozen scalars read by every ``certs`` command, so a small typed reader replaces
pydantic-settings here: importing it and building the models cost more than a whole
``certs issue`` of one service.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from gatekeeper.errors import ConfigError


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


def _number(
    kind: Callable[[Any], float], low: float, high: float, *, open_low: bool = False
) -> Callable[[Any], float]:
    """A checker turning a string or number into ``kind`` within ``[low, high]``."""
    bounds = f"{'above' if open_low else 'at least'} {low:g} and at most {high:g}"

    def check(value: Any) -> float:
        try:
            number = kind(value)
        except (TypeError, ValueError):
            raise ValueError(f"expected {'an integer' if kind is int else 'a number'}") from None
        if math.isnan(number) or number < low or number > high or (open_low and number == low):
            raise ValueError(f"must be {bounds}")
        return number

    return check


def _secret(value: Any) -> Secret:
    return value if isinstance(value, Secret) else Secret(str(value))


def _credential(value: Any) -> Secret:
    """A token or secret ID, often pasted from a file: surrounding whitespace (a trailing
    ``\r`` or newline) is dropped, and what is left must be printable ASCII, the only text an
    HTTP header carries safely. The error never shows the value."""
    text = (value.get_secret_value() if isinstance(value, Secret) else str(value)).strip()
    if not text.isascii() or not text.isprintable() or any(c.isspace() for c in text):
        raise ValueError("contains whitespace, control or non-ASCII characters")
    return Secret(text)


def _path(value: Any) -> Path:
    return Path(value)


def _env(name: str, default: Any = None, check: Callable[[Any], Any] | None = None) -> Any:
    """A dataclass field read from the environment variable ``name`` when not passed."""

    def read() -> Any:
        return os.environ.get(name) or (default() if callable(default) else default)

    return field(default_factory=read, metadata={"env": name, "check": check})


class _FromEnv:
    """Checks and converts every field after construction (see the module docstring)."""

    def __post_init__(self) -> None:
        for spec in fields(self):  # type: ignore[arg-type]  # always a dataclass
            value, check = getattr(self, spec.name), spec.metadata["check"]
            if value is None or check is None:
                continue
            try:
                object.__setattr__(self, spec.name, check(value))
            except ValueError as exc:
                raise ConfigError(f"invalid setting {spec.metadata['env']}: {exc}") from None


@dataclass(frozen=True, kw_only=True)
class VaultSettings(_FromEnv):
    """How to reach Vault or OpenBao. ``addr`` unset means: use the local CA."""

    addr: str | None = _env("VAULT_ADDR")
    token: Secret | None = _env("VAULT_TOKEN", check=_credential)
    role_id: str | None = _env("VAULT_ROLE_ID")
    secret_id: Secret | None = _env("VAULT_SECRET_ID", check=_credential)
    namespace: str | None = _env("VAULT_NAMESPACE")
    cacert: Path | None = _env("VAULT_CACERT", check=_path)
    #: Mount of the root CA's PKI engine.
    root_mount: str = _env("GATEKEEPER_PKI_ROOT_MOUNT", "pki")
    #: Mount of the intermediate CA's PKI engine, which issues and revokes.
    int_mount: str = _env("GATEKEEPER_PKI_INT_MOUNT", "pki_int")
    #: Mount of the AppRole auth method.
    approle_mount: str = _env("GATEKEEPER_VAULT_APPROLE_MOUNT", "approle")
    #: Attempts per request when Vault is unreachable or sealed (1 = no retry).
    retries: int = _env("GATEKEEPER_VAULT_RETRIES", 5, _number(int, 1, 20))
    #: First backoff delay in seconds; doubles per attempt, with full jitter.
    backoff: float = _env("GATEKEEPER_VAULT_BACKOFF", 0.2, _number(float, 0, 30))
    #: Upper bound of one backoff delay in seconds.
    backoff_max: float = _env("GATEKEEPER_VAULT_BACKOFF_MAX", 5.0, _number(float, 0, 300))
    #: Timeout of one HTTP read or connect in seconds.
    timeout: float = _env("GATEKEEPER_VAULT_TIMEOUT", 10.0, _number(float, 0, 300, open_low=True))
    #: Deadline of one request in seconds, its retries and a slow answer included.
    deadline: float = _env(
        "GATEKEEPER_VAULT_DEADLINE", 120.0, _number(float, 0, 3600, open_low=True)
    )


@dataclass(frozen=True, kw_only=True)
class LocalSettings(_FromEnv):
    """Where the local CA keeps its state, and the passphrase that encrypts its keys."""

    ca_dir: Path = _env("GATEKEEPER_CA_DIR", default_ca_dir, _path)
    passphrase: Secret | None = _env("GATEKEEPER_CA_PASSPHRASE", check=_secret)


def vault_addr() -> str | None:
    """``VAULT_ADDR`` if set and not empty: whether ``backend = "auto"`` picks Vault."""
    return os.environ.get("VAULT_ADDR") or None
