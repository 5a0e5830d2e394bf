"""`python -m services.<name>` fails with a usage message and exit code, never a traceback."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from tests.servers import free_port
from tests.services.conftest import TOKEN, run_service, service_env

pytestmark = pytest.mark.slow  # every test here starts a subprocess or a server


@pytest.mark.parametrize(
    ("module", "settings", "code", "expected"),
    [
        (
            "services.recipe_api",
            {},
            2,
            "Usage: APP_ENV=<development|production|staging>",
        ),
        (
            "services.recipe_api",
            {"APP_ENV": "production", "APP_PORT": "http"},
            2,
            "Usage: APP_ENV=production APP_PORT=<port> APP_API_TOKEN=<api_token>",
        ),
        (
            "services.recipe_api",
            {"APP_ENV": "staging", "APP_API_TOKEN": TOKEN, "APP_TLS_CERT": "/nonexistent/c.pem"},
            2,
            "cannot load the TLS certificate and key: No such file or directory",
        ),
        (
            "services.recipe_api",
            {
                "APP_ENV": "development",
                "VAULT_ADDR": "http://127.0.0.1:9",
                "VAULT_TOKEN": "x",
            },
            3,
            "Vault (reading secret/recipe-api/development) is unreachable",
        ),
        (
            "services.web_api",
            {"APP_ENV": "development", "APP_CA_BUNDLE": "/nonexistent/ca.pem"},
            2,
            "cannot load the CA bundle: No such file or directory",
        ),
        (
            "services.web_api",
            {"APP_ENV": "development", "APP_RECIPE_API_URL": "http://127.0.0.1:1"},
            2,
            "APP_RECIPE_API_URL (recipe_api_url): Value error, must be an https:// URL",
        ),
    ],
)
def test_startup_errors(module: str, settings: dict[str, str], code: int, expected: str) -> None:
    env = service_env(**settings)
    if "APP_PORT" in settings:
        env["APP_PORT"] = settings["APP_PORT"]
    proc = run_service(module, env)
    assert proc.returncode == code, proc.stderr
    assert expected in proc.stderr
    assert "Traceback" not in proc.stderr
    assert TOKEN not in proc.stderr + proc.stdout


def test_port_in_use(tmp_path: Path) -> None:
    port = free_port()
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", port))
        taken.listen()
        env = service_env(APP_ENV="development", APP_API_TOKEN=TOKEN, APP_PORT=str(port))
        proc = run_service("services.recipe_api", env)
    assert proc.returncode == 2
    assert f"cannot listen on 127.0.0.1:{port}" in proc.stderr


def test_a_bad_ca_bundle_file(tmp_path: Path) -> None:
    bundle = tmp_path / "ca.pem"
    bundle.write_text("not a certificate\n")
    env = service_env(APP_ENV="development", APP_CA_BUNDLE=str(bundle))
    proc = run_service("services.web_api", env)
    assert proc.returncode == 2
    assert "cannot load the CA bundle: [X509: NO_CERTIFICATE_OR_CRL_FOUND]" in proc.stderr
