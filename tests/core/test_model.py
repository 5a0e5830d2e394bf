from __future__ import annotations

from types import MappingProxyType

import pytest

from gatekeeper.errors import (
    EXIT_BACKEND,
    EXIT_INPUT,
    EXIT_INTERNAL,
    AuthenticationError,
    GatekeeperError,
    LockfileError,
)
from gatekeeper.model import (
    Finding,
    GateResult,
    JudgedFinding,
    Location,
    Report,
    Rule,
    Severity,
    Status,
    freeze,
    make_fingerprint,
)


def test_location_str() -> None:
    assert str(Location("a.py")) == "a.py"
    assert str(Location("a.py", 3)) == "a.py:3"
    assert str(Location("a.py", 3, 7)) == "a.py:3:7"


def test_fingerprint_is_stable_and_content_based() -> None:
    a = make_fingerprint("GK-X-001", "pkg", "GHSA-1")
    assert a == make_fingerprint("GK-X-001", "pkg", "GHSA-1")
    assert a != make_fingerprint("GK-X-001", "pkg", "GHSA-2")
    assert a != make_fingerprint("GK-X-002", "pkg", "GHSA-1")
    assert make_fingerprint("R", "ab", "c") != make_fingerprint("R", "a", "bc")
    assert len(a) == 32


def test_finding_data_is_frozen_and_waivable_ids_include_rule() -> None:
    f = Finding(
        "GK-AUD-001",
        Severity.HIGH,
        "m",
        "fp",
        data={"nested": {"k": [1, 2]}, "tags": {"b", "a"}},
        scope="dev",
        ids=["CVE-1", "GHSA-1"],  # type: ignore[arg-type]  # a list is frozen to a tuple
    )
    assert f.ids == ("CVE-1", "GHSA-1") and f.scope == "dev"
    assert f.waivable_ids == ("GK-AUD-001", "CVE-1", "GHSA-1")
    assert isinstance(f.data, MappingProxyType)
    assert f.data["nested"]["k"] == (1, 2)
    assert f.data["tags"] == ("a", "b")
    with pytest.raises(TypeError):
        f.data["x"] = 1  # type: ignore[index]
    assert Finding("R", Severity.LOW, "m", "fp").waivable_ids == ("R",)
    assert Finding("R", Severity.LOW, "m", "fp").scope is None
    assert freeze(None) == {}
    # a str subclass (an enum member) is neither a plain scalar nor a container: kept as is
    assert freeze({"severity": Severity.HIGH})["severity"] is Severity.HIGH


def test_rule_builds_its_findings() -> None:
    rule = Rule("GK-TST-001", "Test rule", Severity.MEDIUM, cwe=798, description="short")
    assert rule.help_uri == "https://gatekeeper.internal/docs/rules#GK-TST-001"
    assert rule.security
    f = rule.finding(
        "m", "pkg", 1, location=Location("a.py", 2), scope="prod", ids=("CVE-1",), data={"k": 1}
    )
    assert f == Finding(
        "GK-TST-001",
        Severity.MEDIUM,
        "m",
        make_fingerprint("GK-TST-001", "pkg", 1),
        Location("a.py", 2),
        rule.help_uri,
        "Test rule",
        {"k": 1, "cwe": "CWE-798"},
        scope="prod",
        ids=("CVE-1",),
    )
    plain = Rule("GK-TST-002", "Plain", Severity.LOW, help_uri="https://example.test/r")
    assert plain.help_uri == "https://example.test/r" and not plain.security
    g = plain.finding("m", severity=Severity.HIGH)
    assert g.severity is Severity.HIGH and g.data == {} and g.location is None
    assert g.fingerprint == make_fingerprint("GK-TST-002") and g.ids == () and g.scope is None


def test_gate_result_constructors() -> None:
    ok = GateResult.ok([Finding("R", Severity.LOW, "m", "fp")], pct=99.5)
    assert ok.findings[0].rule_id == "R" and ok.metrics["pct"] == 99.5
    assert GateResult.skip("why").skipped == "why"
    assert GateResult.errored("bad").error == "bad"


def test_report_findings_flatten_gates() -> None:
    from gatekeeper.model import GateReport

    judged = JudgedFinding(Finding("R", Severity.LOW, "m", "fp"), blocking=True)
    report = Report(
        verdict=Status.FAILED,
        exit_code=1,
        gates=(GateReport("a", Status.FAILED, (judged,)), GateReport("b", Status.PASSED)),
        tool_version="1",
        root=".",
    )
    assert report.findings == (judged,)


def test_error_formatting_and_exit_codes() -> None:
    assert str(LockfileError("bad pin", path="r.txt", line=4, hint="pin it")) == (
        "r.txt:4: bad pin (pin it)"
    )
    assert str(LockfileError("bad", path="r.txt")) == "r.txt: bad"
    assert str(GatekeeperError("plain")) == "plain"
    assert LockfileError.exit_code == EXIT_INPUT
    assert AuthenticationError.exit_code == EXIT_BACKEND
    assert GatekeeperError.exit_code == EXIT_INTERNAL
