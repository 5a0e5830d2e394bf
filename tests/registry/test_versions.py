"""Version checks: PEP 440, and strictly above the index's latest."""

from __future__ import annotations

import pytest
from packaging.version import Version

from gatekeeper.registry.versions import check_version, latest, parse


def test_parse_and_latest() -> None:
    assert parse("1.0.0") == Version("1.0")
    assert parse("one") is None
    assert latest([]) is None
    assert latest(["junk"]) is None
    assert latest(["1.0", Version("1.10"), "1.9", "2.0rc1", "junk"]) == Version("2.0rc1")


@pytest.mark.parametrize(
    ("version", "existing"),
    [("1.0.0", []), ("1.0.1", ["1.0.0", "0.9"]), ("2.0", ["2.0rc1"]), ("1.0", ["x-y"])],
)
def test_a_newer_version_passes(version: str, existing: list[str]) -> None:
    assert check_version("corp-x", version, existing) == []


def test_an_invalid_version() -> None:
    (found,) = check_version("corp-x", "1.0-final-final", ["0.1"])
    assert found.rule_id == "GK-PUB-020"
    assert "'1.0-final-final' is not a PEP 440 version" in found.message
    assert str(found.location) == "corp-x==1.0-final-final"


@pytest.mark.parametrize(
    ("version", "existing", "why"),
    [
        ("1.0.0", ["1.0"], "1.0 already exists on the index and published versions are immutable"),
        ("1.0.0", ["1.0.0", "0.9"], "1.0.0 already exists"),
        ("1.0.0", ["1.1.0"], "it is below the index's latest, 1.1.0"),
        ("1.1rc1", ["1.1"], "it is below the index's latest, 1.1"),
    ],
)
def test_an_existing_or_lower_version(version: str, existing: list[str], why: str) -> None:
    (found,) = check_version("corp-x", version, existing)
    assert found.rule_id == "GK-PUB-021"
    assert why in found.message
    assert found.data["latest"] == str(latest(existing))
