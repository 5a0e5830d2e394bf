"""One row per service, and the inventory of an organisation."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class Package:
    """A package a service depends on: the pinned version, else the declared specifier."""

    name: str
    version: str | None
    specifier: str = ""
    #: Internal packages: the latest final release on the internal index, and how many
    #: releases the pin is behind it (None: unknown).
    latest: str | None = None
    behind: int | None = None

    @property
    def shown(self) -> str:
        return self.version or self.specifier or "*"

    def describe(self, internal: bool = False) -> str:
        text = f"{self.name} {self.shown}"
        if not internal:
            return text
        if self.behind is None:
            return f"{text} (behind: unknown)"
        if self.behind == 0:
            return f"{text} (latest)"
        return f"{text} ({self.behind} behind {self.latest})"

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "version": self.version,
            "specifier": self.specifier,
            "latest": self.latest,
            "behind": self.behind,
        }


@dataclass(frozen=True, slots=True)
class Row:
    """One repository: a Python service, or an empty repository."""

    service: str
    team: str | None = None
    python: str | None = None
    #: Where the version came from (``.python-version:1``).
    python_source: str | None = None
    #: current, maintenance or naughty; None when no version was found.
    generation: str | None = None
    deployment: tuple[str, ...] = ()
    frameworks: tuple[Package, ...] = ()
    internal: tuple[Package, ...] = ()
    gatekeeper_ci: bool = False
    #: Open advisory findings on the pins; None when no advisory database is available.
    findings: int | None = None
    empty: bool = False
    #: Files that could not be read or parsed, and other remarks.
    notes: tuple[str, ...] = ()
    #: Pinned (name, version) pairs, for the advisory count; not shown.
    pins: tuple[tuple[str, str], ...] = field(default=(), repr=False, compare=False)

    def as_dict(self) -> dict[str, Any]:
        return {
            "service": self.service,
            "team": self.team,
            "python": self.python,
            "python_source": self.python_source,
            "generation": self.generation,
            "deployment": list(self.deployment),
            "frameworks": [p.as_dict() for p in self.frameworks],
            "internal": [p.as_dict() for p in self.internal],
            "gatekeeper_ci": self.gatekeeper_ci,
            "findings": self.findings,
            "empty": self.empty,
            "notes": list(self.notes),
        }


@dataclass(frozen=True, slots=True)
class Inventory:
    org: str
    rows: tuple[Row, ...]
    #: Repositories skipped because they are archived, or hold no Python project.
    archived: int = 0
    not_python: int = 0
    #: Whether the advisory database was available (the findings column is filled).
    advisories: bool = False

    def summary(self) -> str:
        return (
            f"{self.org}: {len(self.rows)} rows; skipped {self.archived} archived and "
            f"{self.not_python} non-Python repositories"
        )
