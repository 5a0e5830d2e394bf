"""Fixtures for reporter tests: fixed reports that exercise every status and disposition."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from gatekeeper.model import (
    ErrorKind,
    Finding,
    GateReport,
    JudgedFinding,
    Location,
    Report,
    Scope,
    Severity,
    Status,
    Summary,
)

REPO_ROOT = Path(__file__).resolve().parents[2]
GOLDEN = Path(__file__).parent / "golden"
UPDATE_ENV = "GATEKEEPER_UPDATE_GOLDEN"
DOCS = "https://gatekeeper.internal/docs/rules#"


def _finding(
    rule: str,
    severity: Severity,
    message: str,
    location: Location | None,
    *,
    title: str | None = "Lines not covered",
    data: dict[str, object] | None = None,
    scope: Scope | None = None,
    ids: tuple[str, ...] = (),
) -> Finding:
    return Finding(
        rule_id=rule,
        severity=severity,
        message=message,
        fingerprint=f"fp-{rule}-{message[:12]}".replace(" ", "_"),
        location=location,
        help_uri=DOCS + rule if title else None,
        title=title,
        data=data or {},
        scope=scope,
        ids=ids,
    )


def failing_report() -> Report:
    """A PR-mode run with every gate status and every kind of judged finding."""
    coverage = GateReport(
        name="coverage",
        status=Status.FAILED,
        findings=(
            JudgedFinding(
                _finding(
                    "GK-COV-001",
                    Severity.MEDIUM,
                    "lines 10-14 not covered",
                    Location("src/app/core.py", 10, None, 14),
                    data={"changed": True, "lines": [10, 14]},
                ),
                blocking=True,
            ),
            JudgedFinding(
                _finding(
                    "GK-COV-002",
                    Severity.HIGH,
                    'line 7 → 9 never taken: 100% | <b> & "q"\nsecond line, 50%',
                    Location("src/app/dir with space/a,b:c.py", 7, 5),
                    title="Branch never taken",
                ),
                blocking=True,
            ),
            JudgedFinding(
                _finding(
                    "GK-COV-001",
                    Severity.MEDIUM,
                    "line 3 not covered",
                    Location("src/app/old.py", 3),
                ),
                blocking=False,
                waived_by="GK-COV-001",
                waiver_reason="legacy module, rewrite tracked in SEC-42",
            ),
            JudgedFinding(
                _finding(
                    "GK-COV-001",
                    Severity.MEDIUM,
                    "lines 20-21 not covered",
                    Location("src/app/legacy.py", 20, None, 21),
                ),
                blocking=False,
                pre_existing=True,
            ),
        ),
        metrics={"lines_pct": 97.5, "branches_pct": 90.0, "files": 3},
        duration_s=1.23456,
    )
    audit = GateReport(
        name="audit",
        status=Status.PASSED,
        findings=(
            JudgedFinding(
                _finding(
                    "GK-AUD-001",
                    Severity.LOW,
                    "requests 2.0 has PYSEC-1 (dev dependency)",
                    Location("requirements-dev.txt", 4),
                    title="Vulnerable dependency",
                    data={"cvss_vector": "CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:L/I:N/A:N"},
                    scope="dev",
                    ids=("PYSEC-1", "CVE-1"),
                ),
                blocking=False,
            ),
            JudgedFinding(
                _finding(
                    "GK-TST-901",
                    Severity.INFO,
                    "advisory database is 1 day old",
                    None,
                    title=None,
                ),
                blocking=False,
            ),
        ),
        metrics={"packages": 12},
        duration_s=0.5,
    )
    config = GateReport(
        name="config", status=Status.SKIPPED, reason="no services configured", duration_s=0.01
    )
    certs = GateReport(
        name="certs",
        status=Status.ERRORED,
        reason="certs/ca.pem:1: not a PEM certificate",
        error_kind=ErrorKind.INPUT,
        duration_s=0.02,
    )
    policy = GateReport(
        name="policy",
        status=Status.PASSED,
        findings=(
            JudgedFinding(
                _finding(
                    "GK-POL-003",
                    Severity.INFO,
                    "waiver for GK-COV-009 matches no finding: remove it",
                    Location("pyproject.toml"),
                    title="Unused waiver",
                ),
                blocking=False,
            ),
        ),
    )
    return Report(
        verdict=Status.FAILED,
        exit_code=2,
        gates=(coverage, audit, config, certs, policy),
        tool_version="1.2.3",
        root="/repo",
        base_ref="origin/main",
        policy_sources=("<built-in default policy>", "pyproject.toml"),
        summary=Summary(
            total=7,
            blocking=2,
            waived=1,
            pre_existing=1,
            by_severity={"info": 2, "low": 1, "medium": 3, "high": 1, "critical": 0},
            gates_passed=2,
            gates_failed=1,
            gates_skipped=1,
            gates_errored=1,
        ),
    )


def passing_report() -> Report:
    """A full (non-PR) run that passed, with a relative root and no policy sources."""
    return Report(
        verdict=Status.PASSED,
        exit_code=0,
        gates=(
            GateReport(
                name="coverage",
                status=Status.PASSED,
                findings=(
                    JudgedFinding(
                        _finding(
                            "GK-COV-005",
                            Severity.LOW,
                            "exclusion pragma without a reason",
                            Location("pkg/mod.py", 3, 12),
                            title="Exclusion without a reason",
                        ),
                        blocking=False,
                    ),
                ),
                metrics={"lines_pct": 100.0, "branches_pct": 100.0},
                duration_s=0.3,
            ),
        ),
        tool_version="1.2.3",
        root=".",
        summary=Summary(total=1, by_severity={"low": 1}, gates_passed=1),
    )


REPORTS = {"failing": failing_report, "passing": passing_report}


@pytest.fixture(params=sorted(REPORTS))
def named_report(request: pytest.FixtureRequest) -> Iterator[tuple[str, Report]]:
    yield request.param, REPORTS[request.param]()


def check_golden(name: str, actual: str) -> None:
    """Compare with ``golden/NAME``; rewrite it only when GATEKEEPER_UPDATE_GOLDEN=1."""
    path = GOLDEN / name
    if os.environ.get(UPDATE_ENV) == "1":
        path.write_text(actual, encoding="utf-8")
    assert path.exists(), f"missing golden file {path}: run with {UPDATE_ENV}=1 and review it"
    expected = path.read_text(encoding="utf-8")
    assert actual == expected, f"{name} differs from its golden file (regenerate: {UPDATE_ENV}=1)"
