"""Severity from CVSS v2/v3/v4 vectors or database_specific.severity."""

from __future__ import annotations

from typing import Any

import pytest

from gatekeeper.advisories.severity import entry_severity, score_vector
from gatekeeper.model import Severity
from tests.advisories.facts import CRITICAL_V3, CRITICAL_V4, HIGH_V3, MEDIUM_V3, V2_HIGH


@pytest.mark.parametrize(
    ("kind", "vector", "expected"),
    [
        ("CVSS_V3", CRITICAL_V3, Severity.CRITICAL),
        ("CVSS_V3", HIGH_V3, Severity.HIGH),
        ("CVSS_V3", MEDIUM_V3, Severity.MEDIUM),
        ("CVSS_V3", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:N", Severity.INFO),
        ("CVSS_V4", CRITICAL_V4, Severity.CRITICAL),
        ("CVSS_V2", V2_HIGH, Severity.HIGH),
        ("CVSS_V2", "AV:N/AC:L/Au:N/C:P/I:N/A:N", Severity.MEDIUM),
        ("CVSS_V2", "AV:L/AC:H/Au:M/C:P/I:N/A:N", Severity.LOW),
    ],
)
def test_score_vector(kind: str, vector: str, expected: Severity) -> None:
    assert score_vector(kind, vector) is expected


def test_invalid_and_unsupported_vectors() -> None:
    with pytest.raises(ValueError, match="invalid CVSS_V3 vector"):
        score_vector("CVSS_V3", "CVSS:3.1/AV:X")
    with pytest.raises(ValueError, match="unsupported severity type Ubuntu"):
        score_vector("Ubuntu", "high")


def test_highest_vector_wins_and_newer_wins_ties() -> None:
    entry: dict[str, Any] = {
        "severity": [
            {"type": "CVSS_V3", "score": MEDIUM_V3},
            {"type": "CVSS_V3", "score": CRITICAL_V3},
            {"type": "CVSS_V4", "score": CRITICAL_V4},
            {"type": "CVSS_V2", "score": V2_HIGH},
        ]
    }
    assert entry_severity(entry) == (Severity.CRITICAL, CRITICAL_V4, [])


def test_affected_level_vectors_count() -> None:
    affected = [{"severity": [{"type": "CVSS_V3", "score": HIGH_V3}]}]
    assert entry_severity({}, affected) == (Severity.HIGH, HIGH_V3, [])


def test_problems_are_reported_and_other_data_used() -> None:
    entry = {
        "severity": ["CVSS_V3", {"type": "CVSS_V3", "score": "garbage"}, {"type": "Ubuntu"}],
        "database_specific": {"severity": "MODERATE"},
    }
    severity, vector, problems = entry_severity(entry)
    assert (severity, vector) == (Severity.MEDIUM, None)
    assert problems[0] == "severity item is not an object"
    assert problems[1].startswith("invalid CVSS_V3 vector")


@pytest.mark.parametrize(
    "specific", [None, {}, {"severity": 3}, "HIGH", {"severity": "UNKNOWN-LEVEL"}]
)
def test_no_usable_severity_is_none(specific: object) -> None:
    severity, vector, problems = entry_severity({"database_specific": specific})
    assert (severity, vector) == (None, None)
    if specific == {"severity": "UNKNOWN-LEVEL"}:
        assert problems == ["unknown database_specific.severity 'UNKNOWN-LEVEL'"]
