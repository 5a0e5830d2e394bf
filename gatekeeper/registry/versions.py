"""A release's version: valid PEP 440, and above every version the target index holds.

Pure functions: the caller fetches the index's versions (devpi's release list). Versions compare
as PEP 440 says (``1.0`` equals ``1.0.0``; ``1.1rc1`` is below ``1.1``), and invalid strings an
index might hold are ignored. Publishing identical files again is the caller's no-op; here an
existing version is never newer.
"""

from __future__ import annotations

from collections.abc import Iterable

from packaging.version import InvalidVersion, Version

from gatekeeper.model import Finding, Location, Rule, Severity

INVALID = Rule(
    "GK-PUB-020",
    "Version is not PEP 440",
    Severity.HIGH,
    description="The package's version cannot be parsed as PEP 440 (`1.0.0`, `2.1rc1`, "
    "`1.0.post1`): pip cannot order it.",
)
NOT_NEWER = Rule(
    "GK-PUB-021",
    "Version not above the index's latest",
    Severity.HIGH,
    description="The version already exists on the target index, or is below its latest: "
    "published versions are immutable and a lower one would never be installed.",
)
RULES: tuple[Rule, ...] = (INVALID, NOT_NEWER)


def parse(text: str) -> Version | None:
    """``text`` as a PEP 440 version; None when it is not one."""
    try:
        return Version(text)
    except InvalidVersion:
        return None


def latest(existing: Iterable[str | Version]) -> Version | None:
    """The highest valid version of ``existing`` (pre-releases count); None if there is none."""
    valid = [v if isinstance(v, Version) else parse(v) for v in existing]
    return max((v for v in valid if v is not None), default=None)


def check_version(name: str, version: str, existing: Iterable[str | Version]) -> list[Finding]:
    """Findings about publishing ``name`` at ``version`` to an index holding ``existing``."""
    where = Location(f"{name}=={version}")
    parsed = parse(version)
    if parsed is None:
        return [
            INVALID.finding(
                f"{name} {version!r} is not a PEP 440 version: use e.g. 1.0.0",
                name,
                version,
                location=where,
                data={"package": name, "version": version},
            )
        ]
    existing = list(existing)
    newest = latest(existing)
    if newest is None or parsed > newest:
        return []
    same = [str(v) for v in existing if (v if isinstance(v, Version) else parse(v)) == parsed]
    why = (
        f"{same[0]} already exists on the index and published versions are immutable"
        if same
        else f"it is below the index's latest, {newest}"
    )
    return [
        NOT_NEWER.finding(
            f"{name} {version} cannot be published: {why}; bump the version above {newest}",
            name,
            version,
            location=where,
            data={"package": name, "version": version, "latest": str(newest)},
        )
    ]
