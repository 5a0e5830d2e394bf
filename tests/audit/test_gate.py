from __future__ import annotations

import datetime as dt
import venv
from pathlib import Path
from typing import Any

import pytest

from gatekeeper import runner
from gatekeeper.errors import PolicyError
from gatekeeper.gates.audit import AuditGate, is_internal
from gatekeeper.gates.interface import GateContext
from gatekeeper.git import GitRepo
from gatekeeper.model import ErrorKind, Report, Severity, Status
from gatekeeper.policy.model import Policy
from gatekeeper.policy.validate import from_mapping


def policy(db: Path, **audit: Any) -> Policy:
    data: dict[str, Any] = {}
    for key in ("internal", "waiver"):
        if key in audit:
            data[key] = audit.pop(key)
    data["audit"] = {"db": str(db), **audit}
    return from_mapping(Policy, data)


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        target = root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, "utf-8")
    return root


def audit(root: Path, pol: Policy) -> Report:
    return runner.run(root, pol, gates=["audit"])


def by_package(report: Report) -> dict[str, list[Any]]:
    out: dict[str, list[Any]] = {}
    for judged in report.findings:
        out.setdefault(str(judged.finding.data.get("package")), []).append(judged)
    return out


def test_vulnerable_pins_with_ids_fix_and_scope(tmp_path: Path, db: Path) -> None:
    root = write(
        tmp_path,
        {
            "requirements.txt": "PyYAML==5.1\nrequests==2.19.0\nurllib3==1.24.1\nclick==8.0\n",
            "requirements-dev.txt": "jinja2==3.1.2\nrequests==2.19.0\n",
        },
    )
    report = audit(root, policy(db))
    assert report.exit_code == 1 and report.verdict is Status.FAILED
    found = by_package(report)
    yaml = {j.finding.data["advisory"]: j for j in found["pyyaml"]}
    assert set(yaml) == {"GHSA-6757-jp84-gxfx", "GHSA-8q59-q68h-6hv4"}
    twin = yaml["GHSA-8q59-q68h-6hv4"].finding
    assert twin.rule_id == "GK-AUD-001" and twin.severity is Severity.CRITICAL
    assert twin.ids == ("GHSA-8q59-q68h-6hv4", "CVE-2020-14343", "PYSEC-2021-142")
    assert twin.data["fix_version"] == "5.4"  # clears BOTH PyYAML advisories, not just 5.3.1
    assert yaml["GHSA-6757-jp84-gxfx"].finding.data["fix_version"] == "5.4"
    assert twin.scope == "prod" and twin.data["version"] == "5.1"
    assert twin.location is not None and str(twin.location) == "requirements.txt:1"
    assert twin.help_uri == "https://gatekeeper.internal/docs/rules#GK-AUD-001"
    assert twin.data["cwe"] == "CWE-1395" and twin.title == "Vulnerable dependency"
    assert "upgrade to 5.4" in twin.message
    assert all(j.blocking for j in found["pyyaml"])
    urllib3 = found["urllib3"][0]
    assert urllib3.finding.severity is Severity.HIGH  # unknown → policy default, fail closed
    assert urllib3.finding.data["severity_known"] is False
    assert "severity unknown" in urllib3.finding.message and urllib3.blocking
    jinja = found["jinja2"][0]
    assert jinja.finding.severity is Severity.MEDIUM and jinja.finding.scope == "dev"
    assert not jinja.blocking
    dev_requests = [j for j in found["requests"] if j.finding.scope == "dev"]
    assert dev_requests and not dev_requests[0].blocking  # dev scope does not fail by default
    assert "click" not in found
    gate = report.gates[0]
    assert gate.metrics["dependencies"] == 6 and gate.metrics["files"] == 2
    assert gate.metrics["vulnerable"] == 4


def test_dev_findings_fail_when_policy_says_so(tmp_path: Path, db: Path) -> None:
    root = write(tmp_path, {"requirements-dev.txt": "requests==2.19.0\n"})
    assert audit(root, policy(db)).exit_code == 0
    assert audit(root, policy(db, fail_on_dev=True)).exit_code == 1


def test_threshold_and_unknown_severity_policy(tmp_path: Path, db: Path) -> None:
    root = write(tmp_path, {"requirements.txt": "urllib3==1.24.1\njinja2==3.1.2\n"})
    assert audit(root, policy(db, unknown_severity="low")).exit_code == 0
    assert audit(root, policy(db, unknown_severity="low", fail_on="moderate")).exit_code == 1
    report = audit(root, policy(db, unknown_severity="critical"))
    assert by_package(report)["urllib3"][0].finding.severity is Severity.CRITICAL


def test_waiver_on_a_cve_waives_its_ghsa_twin(tmp_path: Path, db: Path) -> None:
    root = write(tmp_path, {"requirements.txt": "PyYAML==5.3.1\n"})
    future = (dt.date.today() + dt.timedelta(days=30)).isoformat()
    waiver = [{"id": "CVE-2020-14343", "reason": "no untrusted YAML", "expires": future}]
    report = audit(root, policy(db, waiver=waiver))
    (judged,) = report.findings
    assert judged.waived_by == "CVE-2020-14343" and not judged.blocking
    assert report.exit_code == 0
    expired = [{**waiver[0], "expires": "2020-01-01"}]
    assert audit(root, policy(db, waiver=expired)).exit_code == 1


def test_no_fix_known(tmp_path: Path, db: Path) -> None:
    root = write(tmp_path, {"requirements.txt": "ecdsa==0.18.0\n"})
    (judged,) = audit(root, policy(db)).findings
    assert judged.finding.data["fix_version"] is None
    assert "no fixed version is known" in judged.finding.message
    assert judged.finding.severity is Severity.HIGH


def test_unpinned_internal_and_non_pep440(tmp_path: Path, db: Path) -> None:
    root = write(
        tmp_path,
        {"requirements.txt": "requests>=2\ncorp-billing==1.0\nCorp_Auth\nurllib3===1.0-foo-bar\n"},
    )
    report = audit(root, policy(db))
    rules = {str(j.finding.data["package"]): j for j in report.findings}
    assert rules["requests"].finding.rule_id == "GK-AUD-002"
    assert rules["requests"].finding.severity is Severity.HIGH and rules["requests"].blocking
    assert rules["corp-billing"].finding.rule_id == "GK-AUD-003"
    assert rules["corp-billing"].finding.severity is Severity.INFO
    assert "cwe" not in rules["corp-billing"].finding.data
    assert rules["corp-auth"].finding.rule_id == "GK-AUD-003"  # internal even when unpinned
    assert rules["urllib3"].finding.rule_id == "GK-AUD-002"
    assert "not PEP 440" in rules["urllib3"].finding.message
    library = audit(root, policy(db, application=False))
    assert library.exit_code == 0
    assert {j.finding.severity for j in library.findings} == {Severity.INFO}


def test_internal_index_and_unknown_names(tmp_path: Path, db: Path, index_url: str) -> None:
    root = write(
        tmp_path,
        {"requirements.txt": "pyyaml==6.0.1\nempty==1.0\nno-such-package==1.0\nrequests==2.19.0\n"},
    )
    pol = policy(
        db,
        index_url=f"{index_url}/json/simple/",
        internal={"prefixes": ["acme-"], "index_url": f"{index_url}/html/simple/"},
    )
    # The internal index serves pyyaml, requests, onlypre, empty and corp-lib; point the public
    # check at a JSON index that lacks no-such-package.
    report = audit(root, pol)
    rules = {str(j.finding.data["package"]): j.finding.rule_id for j in report.findings}
    assert rules["pyyaml"] == "GK-AUD-003" and rules["empty"] == "GK-AUD-003"
    assert rules["no-such-package"] == "GK-AUD-004"
    pol = policy(db, index_url=f"{index_url}/json/simple/")
    rules = {str(j.finding.data["package"]): j.finding.rule_id for j in audit(root, pol).findings}
    assert rules == {"no-such-package": "GK-AUD-004", "requests": "GK-AUD-001"}


def test_stale_and_expired_database(tmp_path: Path, stale_db: Path, expired_db: Path) -> None:
    root = write(tmp_path, {"requirements.txt": "click==8.0\n"})
    stale = audit(root, policy(stale_db))
    (judged,) = stale.findings
    assert judged.finding.rule_id == "GK-AUD-005" and judged.finding.severity is Severity.MEDIUM
    assert stale.exit_code == 0 and judged.finding.data["age_days"] == 5.0
    expired = audit(root, policy(expired_db))
    (judged,) = expired.findings
    assert judged.finding.rule_id == "GK-AUD-006" and judged.blocking
    assert expired.exit_code == 1
    assert audit(root, policy(expired_db, hard_max_age_days=60)).exit_code == 0


def test_missing_database_fails_closed(tmp_path: Path) -> None:
    root = write(tmp_path / "repo", {"requirements.txt": "click==8.0\n"})
    report = audit(root, policy(tmp_path / "nodb"))
    gate = report.gates[0]
    assert gate.status is Status.ERRORED and gate.error_kind is ErrorKind.INPUT
    assert "gatekeeper advisories sync" in (gate.reason or "")
    assert report.exit_code == 2


def test_malformed_file_is_an_input_error(tmp_path: Path, db: Path) -> None:
    root = write(tmp_path, {"requirements.txt": "ok==1\nbad==\n"})
    gate = audit(root, policy(db)).gates[0]
    assert gate.status is Status.ERRORED and gate.reason is not None
    assert gate.reason.startswith("requirements.txt:2: malformed requirement")


def test_lockfile_supersedes_pyproject_ranges(tmp_path: Path, db: Path) -> None:
    root = write(
        tmp_path,
        {
            "pyproject.toml": '[project]\nname = "app"\ndependencies = ["pyyaml>=5"]\n',
            "poetry.lock": '[[package]]\nname = "pyyaml"\nversion = "5.3.1"\ngroups = ["main"]\n'
            '[metadata]\nlock-version = "2.1"\n',
        },
    )
    (judged,) = audit(root, policy(db)).findings
    assert judged.finding.rule_id == "GK-AUD-001"
    assert str(judged.finding.location) == "poetry.lock:2"
    (only,) = audit(root, policy(db, files=["pyproject.toml"])).findings
    assert only.finding.rule_id == "GK-AUD-002"


def test_installed_environment(tmp_path: Path, db: Path) -> None:
    env = tmp_path / "venv"
    venv.create(env, with_pip=False)
    (site,) = env.glob("lib/python*/site-packages")
    for name, version in [("PyYAML", "5.3.1"), ("click", "8.0.0"), ("", "1.0")]:
        info = site / f"{name or 'broken'}-{version}.dist-info"
        info.mkdir()
        meta = f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n" if name else "x: y\n"
        (info / "METADATA").write_text(meta, "utf-8")
    root = write(tmp_path / "repo", {"requirements.txt": "requests==2.19.0\n"})
    report = audit(root, policy(db, env=str(env)))
    (judged,) = report.findings  # the env replaces discovery
    assert judged.finding.data["package"] == "pyyaml"
    assert judged.finding.data["source"] == "env"
    assert judged.finding.location is not None
    assert judged.finding.location.path.endswith("PyYAML-5.3.1.dist-info")
    both = audit(root, policy(db, env=str(env), files=["requirements.txt"]))
    assert {str(j.finding.data["package"]) for j in both.findings} == {"pyyaml", "requests"}
    relative = audit(tmp_path, policy(db, env="venv", files=[]))
    assert len(relative.findings) == 1


def test_not_a_venv(tmp_path: Path, db: Path) -> None:
    gate = audit(tmp_path, policy(db, env=str(tmp_path))).gates[0]
    assert gate.status is Status.ERRORED and "no site-packages" in (gate.reason or "")


def test_baseline_without_base_ref(tmp_path: Path, db: Path) -> None:
    ctx = GateContext(tmp_path, policy(db), GitRepo(tmp_path))
    assert AuditGate().baseline(ctx) is None


@pytest.mark.parametrize(
    ("name", "expected"),
    [("corp-x", True), ("Corp_X", True), ("corporate", False), ("x", False)],
)
def test_is_internal(name: str, expected: bool) -> None:
    assert is_internal(name, ["corp-", " "]) is expected


def test_markers_are_evaluated_on_the_target_environment(tmp_path: Path, db: Path) -> None:
    """pip installs a requirement only where its marker holds; the audit follows it."""
    root = write(
        tmp_path,
        {
            "requirements.txt": (
                'PyYAML==5.1 ; sys_platform == "win32"\n'
                'requests==2.19.0 ; python_version >= "3.8"\n'
                'urllib3==1.24.1 ; platform_machine == "riscv-toaster"\n'
                "jinja2==3.1.2 ; extra == 'docs'\n"
            )
        },
    )
    here = audit(root, policy(db, environment={"sys_platform": "linux"}))
    assert set(by_package(here)) == {"requests"}
    assert here.gates[0].metrics["dependencies"] == 1
    assert here.gates[0].metrics["not_for_target"] == 3
    windows = audit(root, policy(db, environment={"sys_platform": "win32"}))
    assert set(by_package(windows)) == {"pyyaml", "requests"}
    old = audit(root, policy(db, environment={"python_version": "3.7", "sys_platform": "linux"}))
    assert old.exit_code == 0 and not old.findings


def test_a_marker_that_cannot_be_evaluated_is_audited(tmp_path: Path, db: Path) -> None:
    """Fail closed: a marker using a variable only lockfile tools define still gets audited."""
    from gatekeeper.deps.markers import marker_holds

    assert marker_holds("'dev' in dependency_groups", {}) is True
    assert marker_holds('python_version ~= "banana"', {}) is True
    assert marker_holds('sys_platform == "win32"', {"sys_platform": "linux"}) is False


def test_unknown_marker_variable_in_the_policy_is_refused(db: Path) -> None:
    with pytest.raises(PolicyError, match="unknown marker variable 'sys_platfrom'"):
        policy(db, environment={"sys_platfrom": "linux"})
