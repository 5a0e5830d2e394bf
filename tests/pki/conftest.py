"""Fixtures for the PKI tests: a repository dir, a local CA dir, and per-test Vault mounts."""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest

from gatekeeper.policy.model import CertsPolicy
from tests.servers import Bao

VAULT_VARS = (
    "VAULT_ADDR",
    "VAULT_TOKEN",
    "VAULT_ROLE_ID",
    "VAULT_SECRET_ID",
    "VAULT_NAMESPACE",
    "VAULT_CACERT",
    "GATEKEEPER_PKI_ROOT_MOUNT",
    "GATEKEEPER_PKI_INT_MOUNT",
    "GATEKEEPER_VAULT_RETRIES",
    "GATEKEEPER_VAULT_BACKOFF",
    "GATEKEEPER_VAULT_BACKOFF_MAX",
    "GATEKEEPER_VAULT_TIMEOUT",
    "GATEKEEPER_CA_DIR",
    "GATEKEEPER_CA_PASSPHRASE",
    "GATEKEEPER_POLICY",
)
_mounts = itertools.count()


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No Vault or CA settings leak in from the environment; the local CA lives in tmp."""
    for name in VAULT_VARS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("GATEKEEPER_CA_DIR", str(tmp_path / "ca"))


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    path = tmp_path / "repo"
    path.mkdir()
    return path


@pytest.fixture
def policy() -> CertsPolicy:
    return CertsPolicy()


@dataclass
class VaultEnv:
    bao: Bao
    root_mount: str
    int_mount: str

    def env(self, **extra: str) -> dict[str, str]:
        return {
            "VAULT_ADDR": self.bao.addr,
            "VAULT_TOKEN": self.bao.token,
            "GATEKEEPER_PKI_ROOT_MOUNT": self.root_mount,
            "GATEKEEPER_PKI_INT_MOUNT": self.int_mount,
            **extra,
        }


@pytest.fixture
def vault(bao: Bao, monkeypatch: pytest.MonkeyPatch) -> Iterator[VaultEnv]:
    """The session's OpenBao with PKI mounts of this test's own; VAULT_* set in os.environ."""
    n = next(_mounts)
    env = VaultEnv(bao, f"pki{n}", f"pki{n}_int")
    for key, value in env.env().items():
        monkeypatch.setenv(key, value)
    yield env


def run_cli(
    *args: str | Path, env: Mapping[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """The real command: ``python -m gatekeeper certs ...`` in a subprocess."""
    full_env = {**os.environ, **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "gatekeeper", "certs", *map(str, args)],
        env=full_env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
