"""Real uvicorn processes for the sample services, with certificates from `gatekeeper certs`."""

from __future__ import annotations

import os
import re
import signal
import ssl
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.helpers import run_cli

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "integration-token-0123456789"
_STRIP = ("APP_", "VAULT_")


@dataclass
class Server:
    url: str
    process: subprocess.Popen[str]
    log: Path

    def stop(self, sig: signal.Signals = signal.SIGTERM) -> int:
        """Stop like an orchestrator does; a clean exit also writes the coverage data."""
        if self.process.poll() is None:
            self.process.send_signal(sig)
            self.process.wait(timeout=20)
        assert self.process.stdout is not None
        self.process.stdout.close()
        return self.process.returncode

    def health(self, verify: bool | ssl.SSLContext = True) -> int:
        return httpx.get(f"{self.url}/health", timeout=5, verify=verify).status_code


def service_env(**settings: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(_STRIP)}
    env.update({"APP_PORT": "0", **settings})
    return env


def run_service(
    module: str, env: dict[str, str], timeout: float = 30
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", module],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def start(module: str, log: Path, **settings: str) -> Server:
    """Start ``python -m module`` with PORT 0 and read the address it prints."""
    with log.open("w") as err:
        process = subprocess.Popen(
            [sys.executable, "-m", module],
            cwd=ROOT,
            env=service_env(**settings),
            stdout=subprocess.PIPE,
            stderr=err,
            text=True,
        )
    assert process.stdout is not None
    line = process.stdout.readline()
    found = re.search(r"listening on (\S+)", line)
    if found is None:
        process.wait(timeout=20)
        raise RuntimeError(f"{module} did not start: {log.read_text()}")
    return Server(found.group(1), process, log)


@dataclass(frozen=True)
class Pki:
    repo: Path
    ca: Path
    cert: Path
    key: Path


def _issue(base: Path) -> Pki:
    repo = base / "repo"
    repo.mkdir(parents=True)
    env = {"GATEKEEPER_CA_DIR": str(base / "ca")}
    for args in (
        ("certs", "init", "--repo", str(repo)),
        (
            "certs",
            "issue",
            "recipe-api",
            "--san",
            "localhost",
            "--ip",
            "127.0.0.1",
            "--repo",
            str(repo),
        ),
    ):
        proc = run_cli(*args, env=env)
        assert proc.returncode == 0, proc.stderr
    certs = repo / "certs"
    return Pki(
        repo,
        certs / "ca.pem",
        certs / "recipe-api" / "fullchain.pem",
        certs / "recipe-api" / "key.pem",
    )


@pytest.fixture(scope="session")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    """The internal CA and recipe-api's certificate, made by `gatekeeper certs`."""
    return _issue(tmp_path_factory.mktemp("pki"))


@pytest.fixture(scope="session")
def rogue_pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    """Another CA with a valid-looking certificate for the same names: never trusted."""
    return _issue(tmp_path_factory.mktemp("rogue"))


@pytest.fixture(scope="session")
def recipe_http(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """recipe-api over plain HTTP (development), short body deadline: the hostile-input target."""
    log = tmp_path_factory.mktemp("recipe-http") / "stderr.log"
    server = start(
        "services.recipe_api",
        log,
        APP_ENV="development",
        APP_API_TOKEN=TOKEN,
        APP_BODY_TIMEOUT_S="1",
    )
    yield server
    assert server.stop() == 0
    assert "recipe-api stopped by SIGTERM" in log.read_text()


@pytest.fixture(scope="session")
def recipe_tls(tmp_path_factory: pytest.TempPathFactory, pki: Pki) -> Iterator[Server]:
    log = tmp_path_factory.mktemp("recipe-tls") / "stderr.log"
    server = start(
        "services.recipe_api",
        log,
        APP_ENV="development",
        APP_API_TOKEN=TOKEN,
        APP_TLS_CERT=str(pki.cert),
        APP_TLS_KEY=str(pki.key),
    )
    yield server
    assert server.stop(signal.SIGINT) == 0
    assert "recipe-api stopped by SIGINT" in log.read_text()
