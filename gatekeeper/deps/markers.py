"""PEP 508 environment markers, evaluated against the audit's target environment."""

from __future__ import annotations

from collections.abc import Mapping, Set


def marker_holds(
    marker: str,
    environment: Mapping[str, str],
    *,
    extras: Set[str] = frozenset(),
    groups: Set[str] | None = None,
) -> bool:
    """Whether ``marker`` is true on the target environment (this interpreter, with the policy's
    ``audit.environment`` values on top). With ``groups``, it is a lock file's marker (PEP 751)
    evaluated with those ``dependency_groups`` and ``extras``. A marker that cannot be evaluated
    (a variable only lockfile tools define, a comparison PEP 508 leaves undefined, a syntax
    error) counts as true: audited, not skipped (fail closed)."""
    from packaging.markers import (
        InvalidMarker,
        Marker,
        UndefinedComparison,
        UndefinedEnvironmentName,
    )

    values: dict[str, str | Set[str]] = dict(environment)
    try:
        if groups is None:
            return Marker(marker).evaluate(values)
        values.update(extras=frozenset(extras), dependency_groups=frozenset(groups))
        return Marker(marker).evaluate(values, context="lock_file")
    except (InvalidMarker, UndefinedComparison, UndefinedEnvironmentName, ValueError):
        return True
