"""A service's settings.py is the repository's code: nothing it does may end or corrupt the run.

Built from the real case: ``import sys; sys.exit(0)`` in settings.py ended ``gatekeeper check``
with exit 0 and no report while the audit had a critical finding.
"""

from __future__ import annotations

import json
import re
import uuid
from pathlib import Path

import pytest

from gatekeeper.errors import ConfigError, GatekeeperError
from gatekeeper.service import probe
from gatekeeper.service.discover import load_service
from gatekeeper.service.probe import check_files_isolated
from tests.audit.osv_fixtures import build_db, write_osv
from tests.helpers import run_cli
from tests.scripts.test_demo import MARKER, leftovers
from tests.service.conftest import SETTINGS_PY, MakeService

LEAK = "leaked-secret-5c1f"
BODY = SETTINGS_PY.replace("from __future__ import annotations\n", "")


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_db(write_osv(tmp_path_factory.mktemp("osv")), tmp_path_factory.mktemp("db"))


def _repo(make_service: MakeService, root: Path, head: str) -> Path:
    make_service({"production": "port = 1\n"}, settings=head + "\n" + BODY)
    (root / "pyproject.toml").write_text('[tool.gatekeeper.config]\nservices = ["demo_svc"]\n')
    (root / "requirements.txt").write_text("requests==2.19.0\n")  # a known vulnerability
    return root


def _check(root: Path, db: Path) -> tuple[int, dict[str, dict[str, object]], str, str]:
    proc = run_cli(
        "check", str(root), "--gate", "audit", "--gate", "config", "--format", "json",
        env={"GATEKEEPER_ADVISORY_DB": str(db)},
    )  # fmt: skip
    report = json.loads(proc.stdout)  # a whole report on stdout, whatever settings.py did
    return proc.returncode, {g["name"]: g for g in report["gates"]}, proc.stdout, proc.stderr


@pytest.mark.slow
@pytest.mark.parametrize(
    ("head", "why"),
    [
        ("import sys; sys.exit(0)", "failed to import: it called sys.exit(0)"),
        ("raise SystemExit", "failed to import: it called sys.exit(None)"),
        ("import os; os._exit(0)", "ended the process before gatekeeper could check it"),
        ("raise KeyboardInterrupt", "ended the process before gatekeeper could check it"),
        ("import os, signal; os.kill(os.getpid(), signal.SIGSEGV)", "(exit code -11)"),
        ("import nope_not_a_module", "failed to import: ModuleNotFoundError"),
    ],
)
def test_settings_that_end_the_import_error_the_gate_and_the_audit_still_fails(
    make_service: MakeService, tmp_path: Path, db: Path, head: str, why: str
) -> None:
    code, gates, _, stderr = _check(_repo(make_service, tmp_path, head), db)
    assert code == 2, stderr  # the config gate errored (input): never 0
    assert gates["config"]["status"] == "errored"
    assert "demo_svc/settings.py" in str(gates["config"]["reason"])
    assert why in str(gates["config"]["reason"])
    assert gates["audit"]["status"] == "failed"


@pytest.mark.slow
def test_what_settings_prints_never_reaches_the_report(
    make_service: MakeService, tmp_path: Path, db: Path
) -> None:
    head = (
        f"import os, sys\nprint('APP_API_TOKEN={LEAK}')\nprint('{LEAK}', file=sys.stderr)\n"
        f'os.write(1, b\'{{"verdict": "passed"}}\\n{LEAK}\\n\')\n'
    )
    code, gates, stdout, stderr = _check(_repo(make_service, tmp_path, head), db)
    assert code == 1
    assert gates["config"]["status"] == "passed"
    assert LEAK not in stdout + stderr


@pytest.mark.slow
def test_a_hanging_settings_is_stopped_at_the_deadline_with_what_it_started(
    make_service: MakeService, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    marker = uuid.uuid4().hex
    head = "import subprocess, time\nsubprocess.Popen(['sleep', '60'])\ntime.sleep(60)"
    make_service({"production": "port = 1\n"}, settings=head + "\n" + BODY)
    monkeypatch.setattr(probe, "IMPORT_TIMEOUT_S", 1.0)
    monkeypatch.setenv(MARKER, marker)
    with pytest.raises(ConfigError, match=r"settings.py: importing it did not finish within 1s"):
        check_files_isolated([tmp_path / "demo_svc"], tmp_path)
    assert leftovers(marker, session=-1) == []


@pytest.mark.slow
def test_after_the_first_failure_the_other_services_are_stopped(
    make_service: MakeService, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    marker = uuid.uuid4().hex
    make_service({"production": "port = 1\n"}, settings="import os; os._exit(3)", name="a_svc")
    make_service({"production": "port = 1\n"}, settings="import time; time.sleep(60)", name="b")
    monkeypatch.setenv(MARKER, marker)
    with pytest.raises(ConfigError, match=r"a_svc/settings.py: .*\(exit code 3\)"):
        check_files_isolated([tmp_path / "a_svc", tmp_path / "b"], tmp_path)
    assert leftovers(marker, session=-1) == []


@pytest.mark.parametrize(
    "answer",
    [b"[]", b"{", b"[" * 100_000, b'{"ok": {"name": 1}}', b"x" * (probe.MAX_RESULT_BYTES + 1)]
    + [
        json.dumps(
            {
                "ok": {
                    "name": "s",
                    "directory": "d",
                    "environments": [],
                    "problems": [],
                    "secrets": [{"path": "p", "setting": "k", "line": bad}],
                }
            }  # fmt: skip
        ).encode()
        for bad in ("3", True)
    ],
)
@pytest.mark.slow
def test_a_forged_or_damaged_answer_is_an_input_error(tmp_path: Path, answer: bytes) -> None:
    """settings.py can write where the child's answer goes; a bad answer is never a pass."""
    with pytest.raises(ConfigError, match="svc/settings.py: importing it produced a malformed"):
        check_files_isolated([_answering(tmp_path, answer)], tmp_path)


def _answering(tmp_path: Path, answer: bytes) -> Path:
    """A service whose settings.py writes ``answer`` where the child's answer goes, then exits."""
    service = tmp_path / "svc"
    (service / "config").mkdir(parents=True)
    (service / "config" / "production.toml").write_text("")
    (service / "settings.py").write_text(
        "import os, sys\n"  # the child's argv: module, root, scratch directory, services
        f"open(os.path.join(sys.argv[2], '0-result.json'), 'wb').write({answer!r})\nos._exit(0)\n"
    )
    return service


@pytest.mark.slow
def test_an_internal_error_in_the_child_keeps_its_kind(tmp_path: Path) -> None:
    answer = {"error": {"kind": "internal", "message": "odd", "hint": "h"}}
    service = _answering(tmp_path, json.dumps(answer).encode())
    with pytest.raises(GatekeeperError, match=r"^odd \(h\)$") as info:
        check_files_isolated([service], tmp_path)
    assert not isinstance(info.value, ConfigError)


def test_child_reports_a_crash_of_its_own_as_internal(tmp_path: Path) -> None:
    assert probe._encode_error(ValueError("x")) == {"kind": "internal", "message": "ValueError: x"}
    assert probe._encode_error(GatekeeperError("y"))["kind"] == "internal"


@pytest.mark.parametrize(
    ("head", "message"),
    [
        ("import sys; sys.exit(0)", "it called sys.exit(0) (importing a module must not end"),
        ("raise SystemExit('bye')", "it called sys.exit('bye')"),
        ("raise GeneratorExit", "failed to import: GeneratorExit"),
    ],
)
def test_load_service_in_process_turns_an_exit_into_an_input_error(
    make_service: MakeService, tmp_path: Path, head: str, message: str
) -> None:
    directory = make_service({"production": "port = 1\n"}, settings=head + "\n" + BODY)
    with pytest.raises(ConfigError, match=r"settings.py: .*" + re.escape(message)):
        load_service(directory, tmp_path)


def test_load_service_lets_ctrl_c_through_and_sends_prints_to_stderr(
    make_service: MakeService, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    directory = make_service({"production": "port = 1\n"}, settings="raise KeyboardInterrupt")
    with pytest.raises(KeyboardInterrupt):
        load_service(directory, tmp_path)
    directory = make_service(
        {"production": "port = 1\n"}, settings=f"print('{LEAK}')\n" + BODY, name="other"
    )
    load_service(directory, tmp_path)
    out, err = capsys.readouterr()
    assert out == "" and LEAK in err


@pytest.mark.slow
def test_config_check_command_with_an_exiting_settings_is_exit_2(
    make_service: MakeService, tmp_path: Path
) -> None:
    directory = make_service({"production": "port = 1\n"}, settings="import sys; sys.exit(0)")
    proc = run_cli("config", "check", "--service", str(directory), cwd=tmp_path)
    assert proc.returncode == 2
    assert "it called sys.exit(0)" in proc.stderr
    errors = [line for line in proc.stderr.splitlines() if "error" in line]
    assert len(errors) == 1 and "Traceback" not in proc.stderr  # one line, no traceback
