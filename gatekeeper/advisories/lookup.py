"""Lookups shared by the local database and the online source: both only supply records."""

from __future__ import annotations

from abc import ABC, abstractmethod

from gatekeeper.advisories import matching
from gatekeeper.advisories.records import Vulnerability


class Lookups(ABC):
    """``vulnerabilities``/``fix_version``/``has_package`` on top of :meth:`records`."""

    @abstractmethod
    def records(self, name: str) -> list[matching.Compiled]:
        """The compiled records of one package in any spelling (empty when none)."""

    def has_package(self, name: str) -> bool:
        """Whether the package has at least one advisory."""
        return bool(self.records(name))

    def vulnerabilities(self, name: str, version: str) -> list[Vulnerability]:
        """Every vulnerability affecting ``name==version``, aliases merged, sorted by ID."""
        records = self.records(name)
        if not records:
            return []
        return matching.match(records, matching.Query.parse(version))

    def fix_version(self, name: str, version: str) -> str | None:
        """The smallest version above ``version`` that no advisory of the package affects.

        ``None`` when ``version`` is not affected or no such version is known.
        """
        records = self.records(name)
        if not records:
            return None
        return matching.package_fix(records, matching.Query.parse(version))
