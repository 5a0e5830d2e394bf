"""Check a service's settings for its environments without starting it: what the config gate
runs in CI (files only) and ``gatekeeper config check`` runs with the environment and secrets.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from gatekeeper.errors import ConfigError
from gatekeeper.service.config import (
    CommittedSecret,
    SettingsReport,
    check_settings,
    committed_secrets,
)
from gatekeeper.service.discover import Service


@dataclass(frozen=True)
class ServiceCheck:
    service: Service
    #: One report per environment checked, in order.
    reports: tuple[SettingsReport, ...]
    #: Secret values written into the service's config files.
    secrets: tuple[CommittedSecret, ...]


def check_service(
    service: Service,
    environments: Sequence[str] = (),
    *,
    environ: Mapping[str, str] | None = None,
    files_only: bool = True,
) -> ServiceCheck:
    """Validate ``environments`` (default: every one the service declares) and look for
    committed secrets. ``files_only`` reads only the config files, as the gate does; otherwise
    ``environ`` (default: none), secret files and Vault count too."""
    unknown = sorted(set(environments) - set(service.environments))
    if unknown:
        raise ConfigError(
            f"unknown environment(s) {', '.join(unknown)}; "
            f"{service.name} declares {', '.join(service.environments)}",
            path=service.directory,
        )
    reports = tuple(
        check_settings(
            service.model,
            env,
            environ={} if environ is None else environ,
            directory=service.directory,
            files_only=files_only,
        )[0]
        for env in environments or service.environments
    )
    return ServiceCheck(service, reports, committed_secrets(service.model, service.directory))
