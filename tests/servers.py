"""Real servers for tests: start them on a free loopback port, wait until ready, stop them."""

from __future__ import annotations

import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_http(url: str, timeout: float = 30.0, verify: bool | str = True) -> None:
    deadline = time.monotonic() + timeout
    last: Exception | None = None
    while time.monotonic() < deadline:
        try:
            httpx.get(url, timeout=1.0, verify=verify)
            return
        except httpx.HTTPError as exc:
            last = exc
            time.sleep(0.05)
    raise TimeoutError(f"{url} did not answer within {timeout}s: {last}")


def bin_path(name: str) -> str:
    """An executable from this interpreter's environment (venv bin/) or PATH."""
    candidate = Path(sys.executable).parent / name
    if candidate.exists():
        return str(candidate)
    found = shutil.which(name)
    if found is None:
        raise RuntimeError(f"{name} is not installed; run the README's test command")
    return found


@dataclass
class Bao:
    """A running ``bao server -dev``: the Vault API on plain HTTP, loopback only."""

    addr: str
    token: str
    process: subprocess.Popen[bytes]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:  # pragma: no cover - only when bao hangs
                self.process.kill()
                self.process.wait()


@contextmanager
def bao_server() -> Iterator[Bao]:
    port = free_port()
    token = secrets.token_hex(16)
    with tempfile.TemporaryDirectory() as home:
        env = {**os.environ, "HOME": home, "BAO_ADDR": f"http://127.0.0.1:{port}"}
        env.pop("VAULT_TOKEN", None)
        process = subprocess.Popen(
            [
                bin_path("bao"),
                "server",
                "-dev",
                f"-dev-root-token-id={token}",
                f"-dev-listen-address=127.0.0.1:{port}",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env=env,
        )
        server = Bao(f"http://127.0.0.1:{port}", token, process)
        try:
            wait_http(f"{server.addr}/v1/sys/health")
            yield server
        finally:
            server.stop()


#: devpi-server's argon2 settings for its login-token secret, lowered as devpi's own test plugin
#: does (hidden options of devpi-server 6.x; devpi-init does not take them).
CHEAP_ARGON2 = (
    "--argon2-memory-cost",
    "8",
    "--argon2-parallelism",
    "1",
    "--argon2-time-cost",
    "1",
)
REPO_ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Devpi:
    """A running devpi-server started by ``devpi/start.sh`` on a temporary server directory:
    plain HTTP on loopback, no ``root/pypi`` mirror, offline."""

    url: str
    root_password: str
    password_file: Path
    serverdir: Path
    process: subprocess.Popen[bytes]
    started_s: float


@contextmanager
def devpi_server() -> Iterator[Devpi]:
    """One devpi-server for as long as the context lasts (start-up: init + serve)."""
    port = free_port()
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        env = {
            **os.environ,
            "DEVPISERVER_SERVERDIR": str(base / "server"),
            "DEVPI_ROOT_PASSWORD_FILE": str(base / "root-password"),
            "DEVPISERVER_PORT": str(port),
            "DEVPI_BIN": str(Path(bin_path("devpi-server")).parent),
        }
        started = time.monotonic()
        process = subprocess.Popen(
            ["bash", str(REPO_ROOT / "devpi" / "start.sh"), "--offline-mode", *CHEAP_ARGON2],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env=env,
        )
        url = f"http://127.0.0.1:{port}"
        try:
            wait_http(f"{url}/+api", timeout=60)
            server = Devpi(
                url,
                (base / "root-password").read_text().strip(),
                base / "root-password",
                base / "server",
                process,
                time.monotonic() - started,
            )
            yield server
        finally:
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=15)
                except subprocess.TimeoutExpired:  # pragma: no cover - only when devpi hangs
                    process.kill()
                    process.wait()
