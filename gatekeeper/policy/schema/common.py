"""Building blocks shared by every policy section."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field, field_validator

from gatekeeper.model import Severity


class Strict(BaseModel):
    """Unknown keys are errors: a typo must never silently disable a gate."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class GateSection(Strict):
    """Keys every gate section has."""

    enabled: bool = True
    #: Findings at or above this severity fail the gate; below it they are reported only.
    fail_on: Severity = Severity.LOW
    #: Whether findings in dev-only scope (``data.scope == "dev"``) can fail the gate.
    fail_on_dev: bool = True

    @field_validator("fail_on", mode="before")
    @classmethod
    def _parse_severity(cls, value: object) -> object:
        return Severity.parse(value) if isinstance(value, str) else value


class Waiver(Strict):
    """An accepted risk. The reason and expiry are mandatory; an expired waiver fails the run."""

    #: An advisory ID or any alias (PYSEC-…, GHSA-…, CVE-…), or a rule ID (GK-COV-001, B602).
    id: str = Field(min_length=1)
    #: Why this is acceptable. An empty reason is a failing finding of its own.
    reason: str = ""
    #: The date after which the waiver stops applying and fails the run instead.
    expires: dt.date
    #: Optional glob: the waiver only covers findings in matching files.
    path: str | None = None
