"""`python -m gatekeeper certs ...` as users run it: output and exit codes."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import pytest

from tests.pki.conftest import VaultEnv, run_cli
from tests.servers import free_port

pytestmark = pytest.mark.slow  # every test here starts a subprocess or a server

POLICY = """
version = 1

[certs.roles.service]
allowed_domains = ["internal"]
max_ttl = "90d"
default_ttl = "30d"

[[certs.services]]
name = "api"
sans = ["api.internal", "localhost"]
ips = ["127.0.0.1"]

[[certs.services]]
name = "worker"
key_type = "rsa"
ttl = "10d"
"""


@pytest.fixture
def policy_file(tmp_path: Path) -> Path:
    path = tmp_path / "policy.toml"
    path.write_text(POLICY, encoding="utf-8")
    return path


def test_init_is_idempotent_and_warns_without_passphrase(repo: Path) -> None:
    first = run_cli("init", "--repo", repo)
    assert first.returncode == 0, first.stderr
    assert "local: generated the root CA" in first.stdout
    assert "NOT encrypted" in first.stderr
    second = run_cli("init", "--repo", repo)
    assert second.returncode == 0
    assert "nothing changed" in second.stdout
    assert (repo / "certs" / "ca.pem").is_file()


def test_passphrase_from_environment(repo: Path) -> None:
    env = {"GATEKEEPER_CA_PASSPHRASE": "pass phrase 1"}
    assert run_cli("init", "--repo", repo, env=env).returncode == 0
    done = run_cli("issue", "api", "--repo", repo, env=env)
    assert done.returncode == 0
    assert "NOT encrypted" not in done.stderr
    wrong = run_cli("issue", "api", "--repo", repo, env={"GATEKEEPER_CA_PASSPHRASE": "nope"})
    assert wrong.returncode == 2
    assert "wrong GATEKEEPER_CA_PASSPHRASE" in wrong.stderr
    assert "nope" not in wrong.stderr + wrong.stdout


def test_issue_all_from_the_policy(repo: Path, policy_file: Path) -> None:
    assert run_cli("init", "--repo", repo, "--policy", policy_file).returncode == 0
    done = run_cli("issue", "--all", "--repo", repo, env={"GATEKEEPER_POLICY": str(policy_file)})
    assert done.returncode == 0, done.stderr
    assert "api: serial" in done.stdout and "[api.internal, localhost, 127.0.0.1]" in done.stdout
    assert "worker: serial" in done.stdout and "(rsa, 10d) [worker.internal]" in done.stdout
    for service in ("api", "worker"):
        names = sorted(p.name for p in (repo / "certs" / service).iterdir())
        assert names == ["cert.pem", "chain.pem", "fullchain.pem", "key.pem"]
    verify = run_cli("verify", "api", "--repo", repo, "--policy", policy_file)
    assert verify.returncode == 0, verify.stdout
    assert "ok: covers localhost" in verify.stdout and "ok: covers 127.0.0.1" in verify.stdout
    status = run_cli("status", "--repo", repo, "--json", "--policy", policy_file)
    rows = json.loads(status.stdout)
    assert [r["service"] for r in rows] == ["api", "worker"]
    assert rows[0]["sans"] == ["api.internal", "localhost", "127.0.0.1"]
    assert rows[1]["state"] == "warn" and status.returncode == 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["issue", "api", "--san", "api.example.com"],
            "'api.example.com' is not allowed by role 'service'",
        ),
        (["issue", "api", "--ttl", "400d"], "TTL 400d is longer than the maximum 397d"),
        (
            ["issue", "api", "--san", "*.api.internal"],
            "wildcard name '*.api.internal' is not allowed",
        ),
        (["issue", "api", "--ip", "10.0.0.300"], "'10.0.0.300' is not an IP address"),
        (["issue", "api", "--role", "edge"], "unknown role 'edge'"),
        (["issue", "Bad/Name"], "invalid service name"),
        (["issue"], "name one SERVICE or give --all"),
        (["issue", "api", "--all"], "name one SERVICE or give --all"),
        (["issue", "--all", "--ttl", "1d"], "--all takes SANs"),
        (["issue", "--all"], "the policy lists no services"),
        (["renew"], "name one SERVICE or give --all"),
        (["revoke"], "name one SERVICE or give --serial"),
        (["revoke", "--serial", "zz"], "invalid serial number"),
        (["verify", "api"], "no certificate for service 'api'"),
        (["issue", "api", "--key-type", "dsa"], "invalid choice"),
    ],
)
def test_bad_requests_exit_2(repo: Path, args: list[str], message: str) -> None:
    assert run_cli("init", "--repo", repo).returncode == 0
    done = run_cli(*args, "--repo", repo)
    assert done.returncode == 2, (done.stdout, done.stderr)
    assert message in done.stderr
    assert "Traceback" not in done.stderr
    assert not (repo / "certs" / "api").exists()


def test_issue_before_init_and_bad_policy(repo: Path, tmp_path: Path) -> None:
    done = run_cli("issue", "api", "--repo", repo)
    assert done.returncode == 2
    assert "not initialized" in done.stderr and "gatekeeper certs init" in done.stderr
    bad = tmp_path / "bad.toml"
    bad.write_text('[certs]\nbackend = "cloud"\n')
    done = run_cli("status", "--repo", repo, "--policy", bad)
    assert done.returncode == 2 and "certs.backend" in done.stderr


def test_status_verify_revoke_cycle(repo: Path) -> None:
    assert run_cli("status", "--repo", repo).stdout.strip() == "no certificates"
    assert run_cli("init", "--repo", repo).returncode == 0
    assert run_cli("issue", "api", "--san", "api.internal", "--repo", repo).returncode == 0
    assert run_cli("issue", "web", "--ttl", "2s", "--repo", repo).returncode == 0
    table = run_cli("status", "--repo", repo)
    header, api, web = table.stdout.splitlines()
    assert header.split() == [
        "SERVICE",
        "SUBJECT",
        "SANS",
        "SERIAL",
        "ISSUER",
        "NOT",
        "AFTER",
        "DAYS",
        "STATE",
    ]
    assert api.split()[0:3] == ["api", "api.internal", "api.internal"] and api.endswith(" ok")
    time.sleep(2.2)
    expired = run_cli("status", "--repo", repo)
    assert expired.returncode == 1
    assert expired.stdout.splitlines()[2].endswith("EXPIRED")
    check = run_cli("verify", "web", "--repo", repo)
    assert check.returncode == 1 and "is not valid now" in check.stdout
    assert run_cli("verify", "api", "--name", "web.internal", "--repo", repo).returncode == 1
    # a key that does not belong to the certificate
    (repo / "certs" / "api" / "key.pem").write_bytes(
        (repo / "certs" / "web" / "key.pem").read_bytes()
    )
    mismatch = run_cli("verify", "api", "--repo", repo)
    assert mismatch.returncode == 1 and "FAIL: key.pem does not match cert.pem" in mismatch.stdout
    revoked = run_cli("revoke", "api", "--repo", repo)
    assert revoked.returncode == 0 and revoked.stdout.startswith("revoked serial ")
    serial = revoked.stdout.split()[-1]
    again = run_cli("revoke", "--serial", serial.replace(":", "").upper(), "--repo", repo)
    assert again.returncode == 0 and again.stdout.split()[-1] == serial
    assert "is revoked" in run_cli("verify", "api", "--repo", repo).stdout


def test_renew_and_reload(repo: Path, tmp_path: Path) -> None:
    assert run_cli("init", "--repo", repo).returncode == 0
    assert run_cli("issue", "api", "--repo", repo).returncode == 0
    before = (repo / "certs" / "api" / "cert.pem").read_bytes()
    marker = tmp_path / "reloaded"
    reload_cmd = f"{sys.executable} -c \"open('{marker}', 'w').write('yes')\""
    kept = run_cli("renew", "api", "--exec", reload_cmd, "--repo", repo)
    assert kept.returncode == 0 and "api: kept (" in kept.stdout
    assert not marker.exists()
    assert (repo / "certs" / "api" / "cert.pem").read_bytes() == before
    forced = run_cli("renew", "--all", "--force", "--exec", reload_cmd, "--repo", repo)
    assert forced.returncode == 0, forced.stderr
    assert "api: renewed (forced)" in forced.stdout
    assert marker.read_text() == "yes"
    assert (repo / "certs" / "api" / "cert.pem").read_bytes() != before
    failing = run_cli(
        "renew",
        "api",
        "--force",
        "--exec",
        f"{sys.executable} -c 'raise SystemExit(7)'",
        "--repo",
        repo,
    )
    assert failing.returncode == 1 and "reload command exited with 7" in failing.stderr
    missing = run_cli(
        "renew", "api", "--force", "--exec", str(tmp_path / "no-such-cmd"), "--repo", repo
    )
    assert missing.returncode == 1 and "reload command failed to start" in missing.stderr


def test_vault_issue_and_out_of_policy(vault: VaultEnv, repo: Path) -> None:
    assert run_cli("init", "--repo", repo).returncode == 0
    done = run_cli("issue", "api", "--san", "localhost", "--repo", repo)
    assert done.returncode == 0, done.stderr
    refused = run_cli("issue", "api", "--san", "api.example.com", "--repo", repo)
    assert refused.returncode == 2
    assert "not allowed by role" in refused.stderr


def test_vault_down_exits_3_after_bounded_retries(repo: Path) -> None:
    env = {
        "VAULT_ADDR": f"http://127.0.0.1:{free_port()}",
        "VAULT_TOKEN": "dead-server-token-value",
        "GATEKEEPER_VAULT_RETRIES": "3",
        "GATEKEEPER_VAULT_BACKOFF": "0.01",
    }
    done = run_cli("issue", "api", "--repo", repo, env=env)
    assert done.returncode == 3
    assert "unreachable" in done.stderr and "after 3 attempts" in done.stderr
    assert "dead-server-token-value" not in done.stdout + done.stderr


def test_bad_token_exits_3_without_printing_it(vault: VaultEnv, repo: Path) -> None:
    token = "hvs.not-a-valid-token-0123456789"
    done = run_cli("init", "--repo", repo, env={"VAULT_TOKEN": token})
    assert done.returncode == 3
    assert "permission denied" in done.stderr
    assert token not in done.stdout + done.stderr
