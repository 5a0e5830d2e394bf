"""``gatekeeper publish`` against ``devpi upload``, on the same package and server, in one run.

    python bench/publish/run.py [--runs 5]

Starts a temporary devpi-server (``devpi/start.sh``) with the organisation's indexes
(``registry init``'s layout), and two git copies of ``packages/corp-recipe-client``. Then
hyperfine measures, in the same run, each command with a new patch version every run (its
``--prepare`` bumps and commits the version, so every run really publishes):

* ``gatekeeper publish COPY --index corp/prod``: build (isolated), vet the artifacts, the
  package's gates except its test run (audit and sast: ``publish.gates``), the API comparison
  with the previous release, upload to corp/staging with provenance, the smoke install into a
  fresh venv, the push to corp/prod;
* ``devpi upload`` in the other copy, to ``corp/anchor``: build (isolated) and upload.

Prints the medians and the ratio (target: at most 1.5). Exit 0 when it is met.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

TARGET = 1.5
REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
GIT = ["-c", "user.email=bench@example.invalid", "-c", "user.name=bench"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _copy(into: Path, extra: str) -> Path:
    root = into / "corp-recipe-client"
    shutil.copytree(
        REPO / "packages" / "corp-recipe-client",
        root,
        ignore=shutil.ignore_patterns(".pytest_cache", ".coverage*", "*.egg-info", "__pycache__"),
    )
    with (root / "pyproject.toml").open("a") as handle:
        handle.write(extra)
    subprocess.run(["git", "-C", str(root), "init", "-q", "-b", "main"], check=True)
    subprocess.run(["git", "-C", str(root), "add", "-A"], check=True)
    subprocess.run(["git", "-C", str(root), *GIT, "commit", "-qm", "1.0.0"], check=True)
    return root


def _advisories(into: Path) -> Path:
    feed = into / "feed"
    feed.mkdir()
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    for source in (REPO / "examples" / "advisories").glob("*.json"):
        record = json.loads(source.read_text("utf-8"))
        record["modified"] = now
        (feed / source.name).write_text(json.dumps(record), "utf-8")
    db = into / "advisories"
    env = {**os.environ, "GATEKEEPER_ADVISORY_DB": str(db)}
    subprocess.run(
        [str(BIN / "gatekeeper"), "advisories", "sync", "--from", str(feed)],
        check=True,
        env=env,
        capture_output=True,
    )
    return db


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    from pydantic import SecretStr

    from gatekeeper.policy.model import RegistryPolicy
    from gatekeeper.registry.bootstrap import ensure_layout
    from gatekeeper.registry.devpi import DevpiClient

    with tempfile.TemporaryDirectory(prefix="bench-publish-") as temp:
        base = Path(temp)
        port = _free_port()
        url = f"http://127.0.0.1:{port}"
        env = {
            **os.environ,
            "DEVPISERVER_SERVERDIR": str(base / "server"),
            "DEVPI_ROOT_PASSWORD_FILE": str(base / "root-password"),
            "DEVPISERVER_PORT": str(port),
            "DEVPI_BIN": str(BIN),
        }
        server = subprocess.Popen(
            ["bash", str(REPO / "devpi" / "start.sh"), "--offline-mode"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        try:
            for _ in range(600):
                try:
                    httpx.get(f"{url}/+api", timeout=1).raise_for_status()
                    break
                except httpx.HTTPError:
                    time.sleep(0.1)
            password = secrets.token_urlsafe(16)
            with DevpiClient(url) as root:
                root.login("root", SecretStr((base / "root-password").read_text().strip()))
                root.create_user("ci-publisher", SecretStr(password))
                ensure_layout(root, RegistryPolicy(), org="corp", publisher="ci-publisher")
                root.create_index("corp/anchor", {"volatile": True, "acl_upload": ["ci-publisher"]})
                root.create_user("public", SecretStr(secrets.token_urlsafe(16)))
                root.create_index("public/simple", {"volatile": True})
            ours = _copy(
                base / "ours",
                f'\n[tool.gatekeeper.supply_chain]\npublic_index_url = "{url}/public/simple/'
                '+simple/"\n[tool.gatekeeper.publish]\ngates = ["audit", "sast"]\n',
            )
            anchor = _copy(base / "anchor", "")
            clientdir = base / "devpi-client"
            devpi = str(BIN / "devpi")
            subprocess.run(
                [devpi, "use", "--clientdir", str(clientdir), f"{url}/corp/anchor"],
                check=True,
                capture_output=True,
            )
            subprocess.run(
                [
                    devpi,
                    "login",
                    "--clientdir",
                    str(clientdir),
                    "ci-publisher",
                    "--password",
                    password,
                ],
                check=True,
                capture_output=True,
            )
            bench_env = {
                **os.environ,
                "DEVPI_URL": url,
                "DEVPI_USER": "ci-publisher",
                "DEVPI_PASSWORD": password,
                "GATEKEEPER_ADVISORY_DB": str(_advisories(base)),
                "PATH": f"{BIN}:{os.environ['PATH']}",
            }
            bump = f"{sys.executable} {REPO / 'bench' / 'publish' / 'bump.py'}"
            result = base / "hyperfine.json"
            subprocess.run(
                [
                    "hyperfine",
                    "--runs",
                    str(args.runs),
                    "--export-json",
                    str(result),
                    "--prepare",
                    f"{bump} {ours}",
                    "--prepare",
                    f"{bump} {anchor}",
                    "-n",
                    "gatekeeper publish",
                    f"gatekeeper publish {ours} --index corp/prod -f json=/dev/null",
                    "-n",
                    "devpi upload",
                    f"cd {anchor} && {devpi} upload --clientdir {clientdir}",
                ],
                check=True,
                env=bench_env,
            )
            data = json.loads(result.read_text())
        finally:
            os.killpg(server.pid, 15)
            server.wait(timeout=30)
    medians = {r["command"]: r["median"] for r in data["results"]}
    ratio = medians["gatekeeper publish"] / medians["devpi upload"]
    print(
        f"\ngatekeeper publish {medians['gatekeeper publish']:.2f} s, devpi upload "
        f"{medians['devpi upload']:.2f} s (medians of {args.runs}): ratio {ratio:.2f} "
        f"(target <= {TARGET})"
    )
    return 0 if ratio <= TARGET else 1


if __name__ == "__main__":
    raise SystemExit(main())
