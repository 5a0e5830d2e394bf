"""Command-line names, SANs and TTLs meet the policy's rules: a one-line error and exit 2.

Built from the real cases: ``certs issue $'api\\n'`` was accepted (``$`` in a regex ``match``
takes a final newline), and ``--ttl ''`` silently meant the default TTL.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from gatekeeper.duration import parse_duration
from gatekeeper.errors import CertificateError
from gatekeeper.names import SERVICE_NAME
from gatekeeper.pki.validate import check_printable
from tests.pki.conftest import run_cli


@pytest.fixture(scope="module")
def ca_repo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    root = tmp_path_factory.mktemp("inputs")
    env = {"GATEKEEPER_CA_DIR": str(root / "ca"), "GATEKEEPER_CA_PASSPHRASE": "pass phrase 1"}
    (root / "repo").mkdir()
    assert run_cli("init", "--repo", root / "repo", env=env).returncode == 0
    return root / "repo", env


@pytest.mark.slow
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["api\n"], r"invalid service name 'api\n'"),
        (["api\r"], r"invalid service name 'api\r'"),
        (["\napi"], r"invalid service name '\napi'"),
        (["api", "--ttl", ""], "invalid duration ''"),
        (["api", "--ttl", "30d\n"], r"invalid TTL '30d\n': it contains a control"),
        (["api", "--ttl", "\u0663\u0660d"], "invalid duration"),  # Arabic-Indic digits
        (["api", "--ttl", "9" * 5000], "invalid duration"),
        (["api", "--san", "api.internal\n"], r"invalid DNS name 'api.internal\n'"),
        (["api", "--san", "api\u200b.internal"], "contains a control character"),
        (["api", "--san", ""], "'' is not a valid DNS name"),
        (["api", "--ip", "127.0.0.1\n"], r"invalid IP address '127.0.0.1\n'"),
        (["api", "--role", "service\n"], r"unknown role 'service\n'"),
    ],
)
def test_bad_command_line_values_are_one_line_errors(
    ca_repo: tuple[Path, dict[str, str]], args: list[str], message: str
) -> None:
    repo, env = ca_repo
    proc = run_cli("issue", *args, "--repo", repo, env=env)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert message in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 2  # the policy line, and the error
    assert "Traceback" not in proc.stderr
    assert not (repo / "certs" / "api").exists()


@pytest.mark.slow
@pytest.mark.parametrize("command", ["verify", "revoke", "renew"])
def test_other_commands_refuse_a_name_with_a_newline(
    ca_repo: tuple[Path, dict[str, str]], command: str
) -> None:
    repo, env = ca_repo
    proc = run_cli(command, "api\n", "--repo", repo, env=env)
    assert proc.returncode == 2
    assert r"'api\n'" in proc.stderr


@pytest.mark.slow
@pytest.mark.parametrize(
    ("entry", "message"),
    [('name = "api\\n"', "service names are lowercase"), ('name = "api"\nttl = ""', "ttl")],
)
def test_the_policy_applies_the_same_rules(
    ca_repo: tuple[Path, dict[str, str]], tmp_path: Path, entry: str, message: str
) -> None:
    repo, env = ca_repo
    policy = tmp_path / "policy.toml"
    policy.write_text(f"version = 1\n\n[[certs.services]]\n{entry}\n", encoding="utf-8")
    proc = run_cli("issue", "--all", "--repo", repo, "--policy", policy, env=env)
    assert proc.returncode == 2, proc.stderr
    assert message in proc.stderr


def test_service_name_rule_is_whole_string() -> None:
    assert SERVICE_NAME.fullmatch("api_1-x")
    assert not SERVICE_NAME.fullmatch("api\n")


@pytest.mark.parametrize("text", ["90d", " 90d ", "1h30m", "3600", "2W"])
def test_durations_people_write(text: str) -> None:
    assert parse_duration(text) > 0


@pytest.mark.parametrize("text", ["", " ", "\t90d", "90d\n", "٣", "²", "1" * 13, "1d" * 6, "0"])
def test_durations_refused(text: str) -> None:
    with pytest.raises(ValueError, match="invalid duration"):
        parse_duration(text)


def test_check_printable() -> None:
    assert check_printable("a b", "x") == "a b"
    with pytest.raises(CertificateError, match=r"invalid x 'a\\x00'"):
        check_printable("a\0", "x")
