"""What the fetched files alone do not say: how far behind the internal index each internal
package is, and the advisories matching each service's pins."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from typing import TYPE_CHECKING

from gatekeeper.inventory.model import Package, Row

if TYPE_CHECKING:
    from gatekeeper.advisories import AdvisorySource
    from gatekeeper.deps.index import IndexClient


def behind(package: Package, versions: list[str] | None) -> Package:
    """``package`` with the index's latest final release and how many releases its pin is
    behind; unknown when it is not pinned or the index lacks it."""
    from packaging.version import InvalidVersion, Version

    if not versions or package.version is None:
        return package
    try:
        current = Version(package.version)
    except InvalidVersion:
        return package
    finals = sorted({Version(v) for v in versions if not Version(v).is_prerelease})
    if not finals:
        return package
    newer = [v for v in finals if v > current]
    return dataclasses.replace(package, latest=str(finals[-1]), behind=len(newer))


def with_index(rows: Iterable[Row], index: IndexClient) -> list[Row]:
    """Each internal package compared with the internal index (one request per name)."""
    seen: dict[str, list[str] | None] = {}
    result = []
    for row in rows:
        packages = []
        for package in row.internal:
            if package.name not in seen:
                found = index.versions(package.name)
                seen[package.name] = None if found is None else [str(v) for v in found]
            packages.append(behind(package, seen[package.name]))
        result.append(dataclasses.replace(row, internal=tuple(packages)))
    return result


def with_advisories(rows: Iterable[Row], source: AdvisorySource) -> list[Row]:
    """Each service's open findings: the advisories affecting its pinned versions."""
    return [
        row
        if row.empty
        else dataclasses.replace(
            row, findings=sum(len(source.vulnerabilities(n, v)) for n, v in row.pins)
        )
        for row in rows
    ]
