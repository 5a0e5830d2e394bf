"""Pick the backend: Vault/OpenBao when configured, else the local CA."""

from __future__ import annotations

from collections.abc import Callable

from gatekeeper.pki.interface import CertificateAuthority
from gatekeeper.policy.model import CertsPolicy


def open_authority(
    policy: CertsPolicy, sleep: Callable[[float], None] | None = None
) -> CertificateAuthority:
    """The CA the policy and environment select (``backend = auto``: VAULT_ADDR decides).

    Settings errors are :class:`~gatekeeper.errors.ConfigError` naming the variable.
    """
    from gatekeeper.pki.settings import LocalSettings, VaultSettings, vault_addr

    if policy.backend == "vault" or (policy.backend == "auto" and vault_addr()):
        from gatekeeper.pki.vault import VaultCA

        vault = VaultSettings()
        return VaultCA(vault) if sleep is None else VaultCA(vault, sleep)
    from gatekeeper.pki.local import LocalCA

    return LocalCA(LocalSettings())
