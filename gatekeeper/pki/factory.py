"""Pick the backend: Vault/OpenBao when configured, else the local CA."""

from __future__ import annotations

from collections.abc import Callable

from gatekeeper.errors import ConfigError
from gatekeeper.pki.interface import CertificateAuthority
from gatekeeper.policy.certs import CertsPolicy


def _settings_error(exc: Exception) -> ConfigError:
    from pydantic import ValidationError

    if isinstance(exc, ValidationError):
        first = exc.errors()[0]
        name = str(first["loc"][0]) if first["loc"] else "settings"
        # Never echo the input: it may be a token.
        return ConfigError(f"invalid setting {name}: {first['msg']}")
    raise exc  # pragma: no cover - only ValidationError is passed in


def open_authority(
    policy: CertsPolicy, sleep: Callable[[float], None] | None = None
) -> CertificateAuthority:
    """The CA the policy and environment select (``backend = auto``: VAULT_ADDR decides)."""
    from pydantic import ValidationError

    from gatekeeper.pki.settings import LocalSettings, VaultSettings

    try:
        vault = VaultSettings()
        use_vault = policy.backend == "vault" or (policy.backend == "auto" and bool(vault.addr))
        if use_vault:
            from gatekeeper.pki.vault import VaultCA

            return VaultCA(vault) if sleep is None else VaultCA(vault, sleep)
        from gatekeeper.pki.local import LocalCA

        return LocalCA(LocalSettings())
    except ValidationError as exc:
        raise _settings_error(exc) from None
