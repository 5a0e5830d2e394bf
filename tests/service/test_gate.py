from __future__ import annotations

from pathlib import Path

import pytest

from gatekeeper.errors import ConfigError
from gatekeeper.gates import load_gate
from gatekeeper.gates.config import ConfigGate
from gatekeeper.gates.interface import GateContext
from gatekeeper.git import GitRepo
from gatekeeper.model import Severity
from gatekeeper.policy.model import Policy
from gatekeeper.policy.validate import from_mapping
from tests.helpers import run_cli
from tests.service.conftest import MakeService

# The config gate imports each service's settings.py in a child process.
pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]


def _ctx(root: Path, services: list[str]) -> GateContext:
    policy = from_mapping(Policy, {"config": {"services": services}})
    return GateContext(root=root, policy=policy, git=GitRepo(root))


def test_registered_under_its_name() -> None:
    gate = load_gate("config")
    assert isinstance(gate, ConfigGate) and gate.name == "config"


def test_skips_without_services(tmp_path: Path) -> None:
    result = ConfigGate().run(_ctx(tmp_path, []))
    assert result.skipped == "no services listed in [config] services"


def test_the_sample_services_pass() -> None:
    result = ConfigGate().run(_ctx(ROOT, ["services/recipe_api", "services/web_api"]))
    assert result.findings == ()
    assert result.metrics == {"services": 2, "environments": 6}


def test_findings_for_bad_settings_and_committed_secrets(
    make_service: MakeService, tmp_path: Path
) -> None:
    make_service(
        {
            "default": 'name = "x"\n',
            "production": "port = 99999\nprot = 1\n",
            "staging": 'port = 1\napi_key = "committed-secret-1"\n',
        }
    )
    result = ConfigGate().run(_ctx(tmp_path, ["demo_svc"]))
    rows = sorted((f.rule_id, str(f.location), f.message) for f in result.findings)
    assert rows == [
        (
            "GK-CFG-001",
            "demo_svc/config/production.toml:1",
            "demo-svc [production]: APP_PORT (port): Input should be less than or equal to 65535",
        ),
        (
            "GK-CFG-001",
            "demo_svc/config/production.toml:2",
            "demo-svc [production]: prot: unknown setting (not in the settings model; a typo?)",
        ),
        (
            "GK-CFG-002",
            "demo_svc/config/staging.toml:2",
            "demo-svc: demo_svc/config/staging.toml sets secret 'api_key'; secrets come from "
            "Vault or a secret file, never from a committed file (rotate it)",
        ),
    ]
    secret = next(f for f in result.findings if f.rule_id == "GK-CFG-002")
    assert "committed-secret-1" not in secret.message
    assert secret.severity is Severity.HIGH
    assert secret.data["cwe"] == "CWE-798"
    assert secret.help_uri == "https://gatekeeper.internal/docs/rules#GK-CFG-002"
    first = next(f for f in result.findings if f.rule_id == "GK-CFG-001")
    assert "cwe" not in first.data and first.data["environment"] == "production"
    # fingerprints are content-based: stable across runs
    again = ConfigGate().run(_ctx(tmp_path, ["demo_svc"]))
    assert {f.fingerprint for f in again.findings} == {f.fingerprint for f in result.findings}


def test_a_problem_without_a_file_points_at_settings(
    make_service: MakeService, tmp_path: Path
) -> None:
    make_service({"production": 'name = "x"\n'})  # port is required and set nowhere
    result = ConfigGate().run(_ctx(tmp_path, ["demo_svc"]))
    (finding,) = result.findings
    assert str(finding.location) == "demo_svc/settings.py"
    assert finding.data["env_var"] == "APP_PORT"


def test_outside_paths_stay_as_given(tmp_path: Path) -> None:
    from gatekeeper.gates.config import _relative

    assert _relative("/elsewhere/x.toml", tmp_path) == "/elsewhere/x.toml"


def test_not_a_service_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError):
        ConfigGate().run(_ctx(tmp_path, ["nope"]))


@pytest.mark.slow
def test_check_command_runs_the_gate(make_service: MakeService, tmp_path: Path) -> None:
    make_service({"production": "port = 1\n", "staging": 'port = 2\npassword = "pw"\n'})
    (tmp_path / "pyproject.toml").write_text('[tool.gatekeeper.config]\nservices = ["demo_svc"]\n')
    proc = run_cli("check", str(tmp_path), "--gate", "config", "--format", "json")
    assert proc.returncode == 1, proc.stderr
    assert "GK-CFG-001" in proc.stdout  # password is not a field of the model
    assert "GK-CFG-002" in proc.stdout
    assert '"pw"' not in proc.stdout
