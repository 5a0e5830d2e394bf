from __future__ import annotations

import os
from pathlib import Path

import pytest

from gatekeeper.cli import main
from tests.helpers import run_cli
from tests.service.conftest import MakeService

KEY = "cli-secret-value-1"
FILES = {"default": 'name = "n"\n', "production": "port = 1\n", "staging": "port = 2\n"}


def test_all_environments_ok_with_sources_and_hidden_secrets(
    make_service: MakeService, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    directory = make_service(FILES)
    monkeypatch.setenv("APP_API_KEY", KEY)
    monkeypatch.delenv("VAULT_ADDR", raising=False)
    monkeypatch.setenv("APP_ENV", "ignored-by-check")
    assert main(["config", "check", "--service", str(directory)]) == 0
    out = capsys.readouterr().out
    assert "demo-svc [production]: ok" in out and "demo-svc [staging]: ok" in out
    assert "  api_key: from environment variable (secret: value hidden)" in out
    assert "  port: from config/production.toml" in out
    assert "  name: from config/default.toml" in out
    assert KEY not in out


def test_problems_exit_1_with_usage(
    make_service: MakeService, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    directory = make_service({**FILES, "staging": 'port = "x"\n'})
    monkeypatch.delenv("APP_API_KEY", raising=False)
    monkeypatch.delenv("VAULT_ADDR", raising=False)
    code = main(["config", "check", "--service", str(directory), "--env", "staging"])
    assert code == 1  # a blocking GK-CFG-001, as `gatekeeper check --gate config` says
    out = capsys.readouterr().out
    assert "demo-svc [staging]: 2 problems" in out
    assert "  Usage: APP_ENV=staging APP_PORT=<port> APP_API_KEY=<api_key>" in out
    assert "production" not in out


def test_files_only_defers_secrets_and_notes_are_printed(
    make_service: MakeService, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    directory = make_service(FILES)
    assert main(["config", "check", "--service", str(directory), "--files-only"]) == 0
    out = capsys.readouterr().out
    assert out.count("deploy-time secrets, not checked: api_key") == 2


@pytest.mark.slow
def test_vault_note_is_printed(
    make_service: MakeService,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    bao: object,
) -> None:
    directory = make_service(FILES)
    monkeypatch.setenv("VAULT_ADDR", bao.addr)  # type: ignore[attr-defined]
    monkeypatch.setenv("VAULT_TOKEN", bao.token)  # type: ignore[attr-defined]
    monkeypatch.setenv("APP_API_KEY", KEY)
    monkeypatch.setenv("APP_VAULT_PATH", "nothing/here")
    assert main(["config", "check", "--service", str(directory), "--env", "production"]) == 0
    assert "  note: Vault secret secret/nothing/here does not exist" in capsys.readouterr().out


def test_committed_secret_exits_1(
    make_service: MakeService, capsys: pytest.CaptureFixture[str]
) -> None:
    directory = make_service({**FILES, "production": 'port = 1\napi_key = "in-the-file-1"\n'})
    assert main(["config", "check", "--service", str(directory), "--files-only"]) == 1
    captured = capsys.readouterr()
    assert "production.toml:2: secret 'api_key' written in a config file" in captured.err
    assert "in-the-file-1" not in captured.out + captured.err


def test_unknown_environment_and_bad_service(
    make_service: MakeService, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    directory = make_service(FILES)
    assert main(["config", "check", "--service", str(directory), "--env", "prod"]) == 2
    err = capsys.readouterr().err
    assert "unknown environment(s) prod; demo-svc declares production, staging" in err
    assert main(["config", "check", "--service", str(tmp_path)]) == 2
    assert "not a service directory" in capsys.readouterr().err


@pytest.mark.slow
def test_console_script_checks_the_sample_services() -> None:
    root = Path(__file__).resolve().parents[2]
    for service in ("services/recipe_api", "services/web_api"):
        proc = run_cli("config", "check", "--service", service, "--files-only", cwd=root)
        assert proc.returncode == 0, proc.stdout + proc.stderr
        assert "[production]: ok" in proc.stdout
    proc = run_cli("config", "--help")
    assert proc.returncode == 0 and "check" in proc.stdout


@pytest.mark.slow
@pytest.mark.parametrize(
    ("files", "policy", "code"),
    [
        (FILES, "", 0),  # passing
        ({**FILES, "staging": 'port = "x"\n'}, 'fail_on = "critical"\n', 0),  # warning only
        ({**FILES, "staging": 'port = "x"\n'}, "", 1),  # failing: GK-CFG-001
        ({**FILES, "production": 'port = 1\napi_key = "in-the-file-1"\n'}, "", 1),  # GK-CFG-002
    ],
)
def test_config_check_agrees_with_check(  # the same judgement as `gatekeeper check`
    tmp_path: Path,
    make_service: MakeService,
    capsys: pytest.CaptureFixture[str],
    files: dict[str, str],
    policy: str,
    code: int,
) -> None:
    make_service(files)
    (tmp_path / "pyproject.toml").write_text(
        f'[tool.gatekeeper.config]\nservices = ["demo_svc"]\n{policy}'
    )
    service = str(tmp_path / "demo_svc")
    alone = main(["config", "check", "--service", service, "--repo", str(tmp_path), "--files-only"])
    check = main(["check", str(tmp_path), "--gate", "config"])
    assert (alone, check) == (code, code)
    if policy:
        assert "not blocking, below the threshold: demo-svc [staging]" in capsys.readouterr().err


@pytest.mark.slow
@pytest.mark.parametrize("name", ["default", "production"])
@pytest.mark.parametrize("target", ["/dev/zero", "fifo", "missing"])
def test_a_config_file_that_is_not_a_regular_file(
    make_service: MakeService, tmp_path: Path, name: str, target: str
) -> None:
    """Built from the real case: a config file symlinked to /dev/zero was read until memory
    ran out; a FIFO blocked forever; neither may be skipped as if it were not there."""
    directory = make_service(FILES)
    path = directory / "config" / f"{name}.toml"
    path.unlink()
    if target == "fifo":
        os.mkfifo(path)
    else:
        path.symlink_to(target if target != "missing" else tmp_path / "nowhere.toml")
    reason = "No such file or directory" if target == "missing" else "not a regular file"
    proc = run_cli("config", "check", "--service", str(directory), "--files-only", timeout=60)
    # a setting problem, judged like the config gate judges it (GK-CFG-001): it fails, exit 1
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert f"cannot read file: {reason} [{path}]" in proc.stdout
    assert "Traceback" not in proc.stderr
