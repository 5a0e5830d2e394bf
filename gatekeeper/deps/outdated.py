"""Rows of ``gatekeeper outdated``: current, wanted (the highest version the declared specifier
allows) and latest, for each dependency, from a simple index."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from packaging.specifiers import SpecifierSet
from packaging.version import Version

from gatekeeper.deps.discover import collect, declared, working_tree_reader
from gatekeeper.deps.index import IndexClient, latest
from gatekeeper.deps.selection import audit_files

if TYPE_CHECKING:
    from gatekeeper.policy.model import Policy

NOT_FOUND = "not found"


@dataclass(frozen=True, slots=True)
class Row:
    package: str
    current: str | None
    wanted: str | None
    latest: str | None
    location: str

    @property
    def outdated(self) -> bool:
        """Behind the latest release, or not on the index at all (worth a look either way)."""
        return self.latest is None or self.current != self.latest

    def cells(self) -> tuple[str, str, str, str, str]:
        return (
            self.package,
            self.current or "-",
            self.wanted or "-",
            self.latest or NOT_FOUND,
            self.location,
        )

    def as_dict(self) -> dict[str, str | None]:
        return {
            "package": self.package,
            "current": self.current,
            "wanted": self.wanted,
            "latest": self.latest,
            "location": self.location,
        }


def wanted(versions: list[Version], specifier: str) -> Version | None:
    """The highest version ``specifier`` allows (pre-releases only when it names one)."""
    allowed = list(SpecifierSet(specifier).filter(versions))
    return max(allowed) if allowed else None


def outdated_rows(root: Path, policy: Policy, index_url: str) -> list[Row]:
    files = audit_files(root, policy)
    reader = working_tree_reader(root)
    specs = declared(files, reader)
    rows: list[Row] = []
    cache: dict[str, list[Version] | None] = {}
    with IndexClient(index_url) as client:
        for dep in collect(files, reader):
            if dep.name not in cache:
                cache[dep.name] = client.versions(dep.name)
            versions = cache[dep.name]
            spec = specs.get(dep.name, "")
            best = wanted(versions, spec) if versions else None
            top = latest(versions) if versions else None
            rows.append(
                Row(
                    dep.raw_name or dep.name,
                    dep.version,
                    str(best) if best else None,
                    str(top) if top else None,
                    str(dep.location),
                )
            )
    return rows
