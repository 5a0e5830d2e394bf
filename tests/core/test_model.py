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


def test_finding_data_is_frozen_and_ids_include_rule() -> None:
    f = Finding(
        "GK-AUD-001",
        Severity.HIGH,
        "m",
        "fp",
        data={"ids": ["CVE-1", "GHSA-1"], "nested": {"k": [1, 2]}, "tags": {"b", "a"}},
    )
    assert f.ids == ("GK-AUD-001", "CVE-1", "GHSA-1")
    assert isinstance(f.data, MappingProxyType)
    assert f.data["nested"]["k"] == (1, 2)
    assert f.data["tags"] == ("a", "b")
    with pytest.raises(TypeError):
        f.data["x"] = 1  # type: ignore[index]
    assert Finding("R", Severity.LOW, "m", "fp").ids == ("R",)
    assert freeze(None) == {}
    # a str subclass (an enum member) is neither a plain scalar nor a container: kept as is
    assert freeze({"severity": Severity.HIGH})["severity"] is Severity.HIGH


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
