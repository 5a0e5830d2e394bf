"""``[config]``: validation of each service's configuration."""

from __future__ import annotations

from pydantic import Field

from gatekeeper.policy.schema.common import GateSection


class ConfigPolicy(GateSection):
    #: Service directories (relative to the root) whose settings are validated.
    services: list[str] = Field(default_factory=list)
