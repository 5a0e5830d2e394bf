"""The certs gate, alone and through the runner (`gatekeeper check --gate certs`)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from gatekeeper import runner
from gatekeeper.gates import load_gate
from gatekeeper.gates.certs import RULES, CertsGate
from gatekeeper.gates.interface import GateContext
from gatekeeper.git import GitRepo
from gatekeeper.model import Severity, Status
from gatekeeper.pki.local import LocalCA
from gatekeeper.pki.operations import init_ca, issue_service, store_for
from gatekeeper.pki.settings import LocalSettings
from gatekeeper.policy.model import Policy

NOW = dt.datetime.now(dt.UTC)


def ctx(repo: Path, policy: Policy | None = None) -> GateContext:
    return GateContext(root=repo, policy=policy or Policy(), git=GitRepo(repo))


@pytest.fixture
def issued_repo(repo: Path, tmp_path: Path) -> Path:
    policy = Policy().certs
    ca = LocalCA(LocalSettings(ca_dir=tmp_path / "ca"), warn=lambda m: None)
    init_ca(ca, policy)
    store = store_for(repo, policy)
    issue_service(ca, store, policy, "long", ttl="90d")
    issue_service(ca, store, policy, "warn", ttl="20d")
    issue_service(ca, store, policy, "soon", ttl="3d")
    issue_service(ca, store, policy, "gone", ttl="1h")
    return repo


def test_registered_and_skips_without_dir(repo: Path) -> None:
    gate = load_gate("certs")
    assert isinstance(gate, CertsGate) and gate.name == "certs"
    result = gate.run(ctx(repo))
    assert result.skipped == "no certificate directory certs/"


def test_findings_per_expiry_state(issued_repo: Path) -> None:
    result = CertsGate(now=NOW + dt.timedelta(hours=2)).run(ctx(issued_repo))
    by_rule = {f.rule_id: f for f in result.findings}
    assert set(by_rule) == {"GK-CERT-001", "GK-CERT-002", "GK-CERT-003"}
    assert by_rule["GK-CERT-001"].severity is Severity.CRITICAL
    assert by_rule["GK-CERT-001"].data["service"] == "gone"
    assert by_rule["GK-CERT-002"].data["service"] == "soon"
    assert by_rule["GK-CERT-003"].data["service"] == "warn"
    assert str(by_rule["GK-CERT-003"].location) == "certs/warn/cert.pem"
    assert by_rule["GK-CERT-002"].help_uri == "https://gatekeeper.internal/docs/rules#GK-CERT-002"
    assert by_rule["GK-CERT-002"].data["cwe"] == "CWE-324"
    assert dict(result.metrics) == {"certificates": 4, "expiring": 2, "expired": 1}
    again = CertsGate(now=NOW + dt.timedelta(hours=3)).run(ctx(issued_repo))
    assert {f.fingerprint for f in again.findings} == {f.fingerprint for f in result.findings}


def test_bad_files_and_open_keys(issued_repo: Path) -> None:
    certs = issued_repo / "certs"
    (certs / "long" / "key.pem").chmod(0o644)
    (certs / "broken").mkdir()
    (certs / "broken" / "cert.pem").write_text("not a certificate")
    (certs / ".long.new-x").mkdir()
    (certs / ".long.new-x" / "cert.pem").write_text("staging leftovers are ignored")
    result = CertsGate(now=NOW).run(ctx(issued_repo))
    rules = sorted(
        (f.rule_id, str(f.location)) for f in result.findings if f.rule_id >= "GK-CERT-004"
    )
    assert rules == [
        ("GK-CERT-004", "certs/broken/cert.pem"),
        ("GK-CERT-005", "certs/long/key.pem"),
    ]
    open_key = next(f for f in result.findings if f.rule_id == "GK-CERT-005")
    assert "0o644" in open_key.message


def test_runner_judges_warn_as_report_only(issued_repo: Path) -> None:
    for name in ("soon", "gone"):
        for f in (issued_repo / "certs" / name).iterdir():
            f.unlink()
        (issued_repo / "certs" / name).rmdir()
    report = runner.run(issued_repo, Policy(), gates=["certs"])
    gate = report.gates[0]
    assert gate.status is Status.PASSED
    assert [j.finding.rule_id for j in gate.findings] == ["GK-CERT-003"]
    assert not gate.findings[0].blocking


def test_rule_table_is_complete() -> None:
    assert [rule.id for rule in RULES] == [f"GK-CERT-00{i}" for i in range(1, 6)]
    assert CertsGate.rules == RULES
