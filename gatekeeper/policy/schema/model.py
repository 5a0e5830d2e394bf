"""The policy: one validated object, built once per run."""

from __future__ import annotations

from pydantic import Field

from gatekeeper.policy.schema.audit import AuditPolicy
from gatekeeper.policy.schema.certs import CertsPolicy
from gatekeeper.policy.schema.common import Strict, Waiver
from gatekeeper.policy.schema.config import ConfigPolicy
from gatekeeper.policy.schema.coverage import CoveragePolicy
from gatekeeper.policy.schema.internal import InternalPolicy


class Policy(Strict):
    version: int = Field(default=1, ge=1, le=1)
    internal: InternalPolicy = Field(default_factory=InternalPolicy)
    coverage: CoveragePolicy = Field(default_factory=CoveragePolicy)
    audit: AuditPolicy = Field(default_factory=AuditPolicy)
    config: ConfigPolicy = Field(default_factory=ConfigPolicy)
    certs: CertsPolicy = Field(default_factory=CertsPolicy)
    waiver: list[Waiver] = Field(default_factory=list)
