"""The counted baseline: N accepted findings hide at most N, stale entries are reported, the file
holds hashes only; and the runner applies a section's ``baseline`` for any gate."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from gatekeeper import baseline, runner
from gatekeeper.errors import InputError
from gatekeeper.gates.interface import Gate, GateContext
from gatekeeper.model import Finding, GateResult, Location, Rule, Severity, Status
from gatekeeper.policy.model import Policy
from gatekeeper.policy.validate import InvalidPolicy, from_mapping

RULE = Rule("GK-TST-001", "test", Severity.HIGH)
OTHER = Rule("GK-TST-002", "other", Severity.HIGH)
TODAY = dt.date(2026, 1, 1)


def found(part: str, rule: Rule = RULE, path: str | None = "a.py") -> Finding:
    return rule.finding(f"problem {part}", part, location=Location(path) if path else None)


def test_entries_count_identical_fingerprints_and_keep_the_first_path() -> None:
    five = [found("x", path=f"f{i}.py") for i in range(5)]
    entries = baseline.entries([*five, found("y", OTHER, path=None)])
    by_rule = {e.rule_id: e for e in entries}
    assert by_rule["GK-TST-001"].count == 5 and by_rule["GK-TST-001"].path == "f0.py"
    assert by_rule["GK-TST-002"] == baseline.Entry("GK-TST-002", found("y", OTHER).fingerprint, 1)


def test_n_accepted_hide_at_most_n_never_an_n_plus_first() -> None:
    accepted = baseline.entries([found("x")] * 5)
    six = [found("x")] * 6
    kept, hidden, stale = baseline.apply(six, accepted)
    assert len(hidden) == 5 and len(kept) == 1 and stale == []


def test_entries_that_hid_fewer_than_their_count_are_stale_with_the_unused_count() -> None:
    entries = [*baseline.entries([found("x")] * 3), *baseline.entries([found("gone")])]
    kept, hidden, stale = baseline.apply([found("x"), found("new")], entries)
    assert [f.message for f in kept] == ["problem new"] and len(hidden) == 1
    assert sorted((e.count, e.fingerprint) for e in stale) == sorted(
        [(2, found("x").fingerprint), (1, found("gone").fingerprint)]
    )


def test_split_entries_for_one_fingerprint_share_the_budget() -> None:
    entry = baseline.entries([found("x")])[0]
    kept, hidden, stale = baseline.apply([found("x")], [entry, entry])
    assert (kept, len(hidden)) == ([], 1)
    assert [e.count for e in stale] == [1]  # one of the two is unused, reported once


def _at(line: int | None, path: str = "a.py", part: str = "x") -> Finding:
    where = Location(path, line) if line is not None else Location(path)
    return RULE.finding(f"problem {part} at {line}", part, location=where)


def by_print(finding: Finding) -> str:
    return finding.fingerprint


def test_accepted_takes_the_earliest_places_whatever_the_report_order() -> None:
    findings = [_at(9), _at(2), _at(5, "b.py"), _at(None), _at(2, part="y"), _at(5)]
    budget = baseline.counts([_at(1), _at(1), found("y")])
    chosen = baseline.accepted(findings, budget, by_print)
    assert sorted(chosen) == [1, 3, 4]  # x: a.py (no line), a.py:2; y: its only one
    assert baseline.accepted(findings, {}, by_print) == frozenset()
    assert baseline.accepted(findings, {_at(1).fingerprint: 0}, by_print) == set()
    # equal places: the first reported is accepted
    assert baseline.accepted([_at(3), _at(3)], budget, by_print) == {0, 1}
    assert baseline.accepted([_at(3), _at(3)], {_at(3).fingerprint: 1}, by_print) == {0}


def test_apply_hides_the_earliest_and_keeps_the_later_copies() -> None:
    kept, hidden, stale = baseline.apply([_at(7), _at(3)], baseline.entries([_at(1)]))
    assert (kept, hidden, stale) == ([_at(7)], [_at(3)], [])


def test_the_rule_is_part_of_the_key() -> None:
    kept, hidden, _ = baseline.apply([found("x", OTHER)], baseline.entries([found("x")]))
    assert len(kept) == 1 and hidden == []


def test_write_and_load_round_trip_atomically(tmp_path: Path) -> None:
    path = tmp_path / "baseline.json"
    written = baseline.write(path, [found("x"), found("x"), found("y")])
    assert baseline.load(path) == written
    data = json.loads(path.read_text())
    assert data["version"] == 1
    assert set(data["entries"][0]) == {"rule_id", "fingerprint", "count", "path"}
    assert [p.name for p in tmp_path.iterdir()] == ["baseline.json"]  # no temporary left


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"{", "not valid JSON"),
        (b"\xff", "not valid JSON"),
        (b"[]", "version 1"),
        (b'{"version": 2, "entries": []}', "version 1"),
        (b'{"version": 1}', "entries must be a list"),
        (b'{"version": 1, "entries": [1]}', "entry 0: not an object"),
        (b'{"version": 1, "entries": [{"rule_id": "R", "fingerprint": "f", "x": 1}]}', "'x'"),
        (b'{"version": 1, "entries": [{"fingerprint": "f"}]}', "rule_id"),
        (b'{"version": 1, "entries": [{"rule_id": "R", "fingerprint": ""}]}', "fingerprint"),
        (b'{"version": 1, "entries": [{"rule_id": "R", "fingerprint": "f", "count": 0}]}', "count"),
        (
            b'{"version": 1, "entries": [{"rule_id": "R", "fingerprint": "f", "count": true}]}',
            "count",
        ),
        (b'{"version": 1, "entries": [{"rule_id": "R", "fingerprint": "f", "path": 1}]}', "path"),
    ],
)
def test_a_malformed_baseline_is_an_input_error_naming_the_file(
    tmp_path: Path, content: bytes, message: str
) -> None:
    path = tmp_path / "b.json"
    path.write_bytes(content)
    with pytest.raises(InputError, match=message) as info:
        baseline.load(path)
    assert str(path) in str(info.value)


def test_a_missing_baseline_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="cannot read baseline"):
        baseline.load(tmp_path / "absent.json")


def test_count_defaults_to_one(tmp_path: Path) -> None:
    path = tmp_path / "b.json"
    path.write_text('{"version": 1, "entries": [{"rule_id": "R", "fingerprint": "f"}]}')
    assert baseline.load(path) == [baseline.Entry("R", "f", 1, None)]


# The runner: any gate's section takes ``baseline``


class _Fixed(Gate):
    name = "audit"
    description = "returns fixed findings"

    def __init__(self, findings: list[Finding]) -> None:
        self.findings = findings

    def run(self, ctx: GateContext) -> GateResult:
        return GateResult.ok(self.findings)


def _run(root: Path, findings: list[Finding], **section: Any) -> Any:
    pol = from_mapping(Policy, {"audit": section})
    return runner.run(
        root, pol, gates=["audit"], today=TODAY, loader=lambda _name: _Fixed(findings)
    )


def test_the_runner_marks_baselined_findings_pre_existing_and_reports_stale_entries(
    tmp_path: Path,
) -> None:
    baseline.write(tmp_path / "accepted.json", [found("x"), found("x"), found("gone")])
    report = _run(tmp_path, [found("x"), found("x"), found("x")], baseline="accepted.json")
    gate = report.gates[0]
    assert [j.pre_existing for j in gate.findings] == [True, True, False]
    assert [j.blocking for j in gate.findings] == [False, False, True]
    assert report.summary.pre_existing == 2
    policy_gate = report.gates[-1]
    assert policy_gate.name == "policy"
    (stale,) = policy_gate.findings
    assert stale.finding.rule_id == "GK-POL-005" and stale.finding.severity is Severity.INFO
    assert stale.finding.location == Location("accepted.json")
    assert not stale.blocking


def test_a_fully_baselined_gate_passes(tmp_path: Path) -> None:
    baseline.write(tmp_path / "b.json", [found("x")])
    report = _run(tmp_path, [found("x")], baseline="b.json")
    assert report.gates[0].status is Status.PASSED and len(report.gates) == 1


def test_an_unreadable_baseline_errors_the_gate_as_input(tmp_path: Path) -> None:
    report = _run(tmp_path, [found("x")], baseline="missing.json")
    assert report.gates[0].status is Status.ERRORED and report.exit_code == 2
    assert "missing.json" in (report.gates[0].reason or "")


def test_a_skipped_gate_reads_no_baseline(tmp_path: Path) -> None:
    class Skips(_Fixed):
        def run(self, ctx: GateContext) -> GateResult:
            return GateResult.skip("nothing here")

    pol = from_mapping(Policy, {"audit": {"baseline": "missing.json"}})
    report = runner.run(tmp_path, pol, gates=["audit"], today=TODAY, loader=lambda _: Skips([]))
    assert report.gates[0].status is Status.SKIPPED


@pytest.mark.parametrize("bad", ["/etc/b.json", "../b.json", "~/b.json", "c:b.json", ""])
def test_the_baseline_key_must_stay_inside_the_repository(bad: str) -> None:
    with pytest.raises(InvalidPolicy, match="audit.baseline"):
        from_mapping(Policy, {"audit": {"baseline": bad}})
