"""``gatekeeper registry`` through the real console script against the real devpi-server."""

from __future__ import annotations

import json

import pytest
from pydantic import SecretStr

from gatekeeper.cli import main
from gatekeeper.registry.devpi import DevpiClient
from tests.helpers import run_cli
from tests.servers import Devpi, free_port

WRONG = "pl4nted-Wrong-devpi-pw"  # a fixture credential: must never be printed


def env_for(devpi: Devpi, password: str | None = None) -> dict[str, str]:
    return {
        "DEVPI_URL": devpi.url,
        "DEVPI_USER": "root",
        "DEVPI_PASSWORD": password or devpi.root_password,
    }


@pytest.mark.slow
def test_init_twice_then_check_then_drift(devpi: Devpi, org: str) -> None:
    env = env_for(devpi)
    first = run_cli("registry", "init", "--url", devpi.url, "--org", org, env=env)
    assert first.returncode == 0, first.stderr
    assert f"registry: created index {org}/prod" in first.stderr
    second = run_cli("registry", "init", "--url", devpi.url, "--org", org, env=env)
    assert second.returncode == 0
    assert "already as the policy wants: no change" in second.stderr
    assert "created" not in second.stderr
    clean = run_cli("registry", "check", "--org", org, "--format", "json", env=env)
    assert clean.returncode == 0, clean.stderr
    ours = [
        f
        for g in json.loads(clean.stdout)["gates"]
        for f in g["findings"]
        if f"/{org}/" in f["location"]["path"]
    ]
    assert ours == []
    with DevpiClient(devpi.url) as client:
        client.login("root", SecretStr(devpi.root_password))
        client.modify_index(f"{org}/prod", {"volatile": True, "acl_upload": [":ANONYMOUS:"]})
    drifted = run_cli(
        "registry", "check", "--org", org, "--format", "json", env={"DEVPI_URL": devpi.url}
    )
    assert drifted.returncode == 1
    found = {
        f["rule_id"]
        for g in json.loads(drifted.stdout)["gates"]
        for f in g["findings"]
        if f["location"]["path"] == f"{devpi.url}/{org}/prod"
    }
    assert found == {"GK-REG-001", "GK-REG-004"}
    fixed = run_cli("registry", "init", "--org", org, env=env)
    assert fixed.returncode == 0
    assert f"registry: {org}/prod: volatile True -> False" in fixed.stderr
    assert f"registry: {org}/prod: acl_upload [':ANONYMOUS:'] -> ['root']" in fixed.stderr


@pytest.mark.slow
def test_wrong_password_is_exit_3_and_never_printed(devpi: Devpi, org: str) -> None:
    for debug in ("", "1"):
        env = {**env_for(devpi, WRONG), "GATEKEEPER_DEBUG": debug}
        done = run_cli("registry", "init", "--org", org, env=env)
        assert done.returncode == 3
        assert "devpi refused the login of user 'root' (HTTP 401)" in done.stderr
        assert WRONG not in done.stdout + done.stderr


@pytest.mark.slow
def test_devpi_down_is_exit_3(devpi: Devpi) -> None:
    down = f"http://127.0.0.1:{free_port()}"
    done = run_cli("registry", "check", "--url", down, env=env_for(devpi))
    assert done.returncode == 3
    assert "devpi is unreachable" in done.stderr and "after 3 attempts" in done.stderr
    assert devpi.root_password not in done.stderr


@pytest.mark.slow
def test_in_process_commands(devpi: Devpi, org: str, monkeypatch, capsys) -> None:
    for key, value in env_for(devpi).items():
        monkeypatch.setenv(key, value)
    assert main(["registry", "init", "--org", org, "--publisher", "nobody-at-all"]) == 2
    assert "'nobody-at-all' (the publisher) does not exist" in capsys.readouterr().err
    assert main(["registry", "init", "--org", org]) == 0
    assert main(["registry", "check", "--org", org]) == 0
    capsys.readouterr()
    monkeypatch.delenv("DEVPI_PASSWORD")
    assert main(["registry", "check", "--org", org, "--format", "sarif"]) == 0
    out = capsys.readouterr().out
    assert json.loads(out)["version"] == "2.1.0"
    assert main(["registry", "pip-conf", "--org", org]) == 0
    text = capsys.readouterr().out
    assert f"index-url = {devpi.url}/{org}/prod/+simple/" in text
    assert "extra-index-url" not in text and devpi.root_password not in text
    assert main(["registry", "pip-conf", "--url", "https://d.example", "--index", "staging"]) == 0
    assert 'url = "https://d.example/corp/staging/+simple/"' in capsys.readouterr().out
