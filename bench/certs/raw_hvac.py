"""Baseline: a plain loop of raw hvac generate_certificate calls, writing the same files.

One hvac client, one request per service, plain open().write() (no fsync, no atomic swap).
Usage: raw_hvac.py OUT_DIR N KEY_TYPE   (VAULT_ADDR, VAULT_TOKEN from the environment)
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import hvac


def main() -> None:
    out, count, key_type = Path(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    mount = os.environ.get("GATEKEEPER_PKI_INT_MOUNT", "pki_int")
    client = hvac.Client(url=os.environ["VAULT_ADDR"], token=os.environ["VAULT_TOKEN"])
    out.mkdir(parents=True, exist_ok=True)
    for i in range(count):
        name = f"svc{i:03d}"
        data = client.secrets.pki.generate_certificate(
            f"service-{key_type}",
            f"{name}.internal",
            extra_params={"ttl": "720h", "private_key_format": "pkcs8"},
            mount_point=mount,
        )["data"]
        d = out / name
        d.mkdir(exist_ok=True)
        chain = "\n".join(data["ca_chain"][:-1]) + "\n"
        (d / "key.pem").write_text(data["private_key"] + "\n")
        (d / "cert.pem").write_text(data["certificate"] + "\n")
        (d / "chain.pem").write_text(chain)
        (d / "fullchain.pem").write_text(data["certificate"] + "\n" + chain)
    (out / "ca.pem").write_text(data["ca_chain"][-1] + "\n")


if __name__ == "__main__":
    main()
