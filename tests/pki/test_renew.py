"""Renewal: the window, the jitter, and a Vault killed in the middle of a fleet renewal."""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import subprocess
import sys
import time
from pathlib import Path

import hvac
import pytest

from gatekeeper.pki.inspect import read_info
from gatekeeper.pki.local import LocalCA
from gatekeeper.pki.operations import (
    init_ca,
    issue_all,
    issue_service,
    renew,
    renewal_due,
    store_for,
)
from gatekeeper.pki.settings import LocalSettings, Secret, VaultSettings
from gatekeeper.pki.vault import VaultCA
from gatekeeper.pki.verify import verify_service
from gatekeeper.policy.model import CertsPolicy
from gatekeeper.policy.validate import from_mapping
from tests.pki.listing import listing
from tests.pki.tls import handshake, tls_server
from tests.servers import bao_server

NOW = dt.datetime.now(dt.UTC)


@pytest.fixture
def local(tmp_path: Path) -> LocalCA:
    ca = LocalCA(LocalSettings(ca_dir=tmp_path / "ca"), warn=lambda m: None)
    init_ca(ca, CertsPolicy())
    return ca


def test_window_and_jitter(local: LocalCA, repo: Path) -> None:
    policy = CertsPolicy(renew_fraction=0.25, renew_jitter=0.5)
    store = store_for(repo, policy)
    issue_service(local, store, policy, "api", ttl="40d")
    info = read_info(store.service_dir("api") / "cert.pem", "api")
    # 10 days window; jitter moves it up to 5 days earlier
    assert renewal_due(info, NOW + dt.timedelta(days=29), 0.25, 0.5, lambda: 0.0)[0] is False
    assert renewal_due(info, NOW + dt.timedelta(days=29), 0.25, 0.5, lambda: 1.0)[0] is True
    assert renewal_due(info, NOW + dt.timedelta(days=31), 0.25, 0.5, lambda: 0.0)[0] is True
    assert renewal_due(info, NOW + dt.timedelta(days=20), 0.25, 0.5, lambda: 1.0)[0] is False


def test_renew_keeps_names_and_key_type(local: LocalCA, repo: Path) -> None:
    policy = from_mapping(
        CertsPolicy,
        {
            "roles": {"service": {}, "edge": {"key_types": ["rsa", "ec"]}},
            "services": [{"name": "edge", "role": "edge"}],
        },
    )
    store = store_for(repo, policy)
    issue_service(
        local,
        store,
        policy,
        "api",
        sans=["api.internal", "localhost"],
        ips=["::1"],
        key_type="ed25519",
        ttl="30d",
    )
    issue_all(local, store, policy)
    old = read_info(store.service_dir("api") / "cert.pem", "api")
    results = renew(
        local, store, policy, ["api", "edge"], now=NOW + dt.timedelta(days=1), rand=lambda: 0.0
    )
    assert [(r.service, r.renewed) for r in results] == [("api", False), ("edge", False)]
    results = renew(
        local, store, policy, ["api", "edge"], now=NOW + dt.timedelta(days=25), rand=lambda: 0.0
    )
    assert [(r.service, r.renewed) for r in results] == [("api", True), ("edge", False)]
    assert "5.0 days left" in results[0].reason
    new = read_info(store.service_dir("api") / "cert.pem", "api")
    assert new.serial != old.serial
    assert (new.dns_names, new.ip_addresses, new.key_type) == (
        old.dns_names,
        old.ip_addresses,
        "ed25519",
    )
    forced = renew(local, store, policy, ["edge"], force=True)
    assert forced[0].renewed and forced[0].reason == "forced"
    assert forced[0].issued is not None and forced[0].issued.key_type == "rsa"
    assert renew(local, store, policy, []) == []


SERVICES = 40


@pytest.mark.slow
def test_vault_killed_mid_renewal_leaves_working_pairs(repo: Path, tmp_path: Path) -> None:
    policy_path = tmp_path / "policy.toml"
    policy_path.write_text(
        "version = 1\n"
        + "".join(
            f'[[certs.services]]\nname = "svc{i:02d}"\nkey_type = "rsa"\n' for i in range(SERVICES)
        ),
        encoding="utf-8",
    )
    policy = from_mapping(
        CertsPolicy,
        {"services": [{"name": f"svc{i:02d}", "key_type": "rsa"} for i in range(SERVICES)]},
    )
    with bao_server() as own:
        settings = VaultSettings(addr=own.addr, token=Secret(own.token))
        with VaultCA(settings) as ca:
            init_ca(ca, policy)
            issue_all(ca, store_for(repo, policy), policy)
        certs = repo / "certs"
        old = {
            f"svc{i:02d}": (certs / f"svc{i:02d}" / "cert.pem").read_bytes()
            for i in range(SERVICES)
        }
        env = {
            **os.environ,
            "VAULT_ADDR": own.addr,
            "VAULT_TOKEN": own.token,
            "GATEKEEPER_VAULT_RETRIES": "2",
            "GATEKEEPER_VAULT_BACKOFF": "0.01",
        }
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gatekeeper",
                "certs",
                "renew",
                "--all",
                "--force",
                "--repo",
                str(repo),
                "--policy",
                str(policy_path),
            ],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if any((certs / s / "cert.pem").read_bytes() != data for s, data in old.items()):
                break
            time.sleep(0.005)
        own.process.kill()  # SIGKILL: Vault disappears in the middle of the renewal
        own.process.wait()
        out, err = proc.communicate(timeout=60)
    assert proc.returncode == 3, (out, err)
    assert "unreachable" in err
    changed = [s for s, data in old.items() if (certs / s / "cert.pem").read_bytes() != data]
    kept = [s for s in old if s not in changed]
    assert changed and kept, (changed, kept)
    assert listing(certs) == sorted([*old, "ca.pem"])  # no staging dirs
    store = store_for(repo, policy)
    for service in old:  # every pair on disk, old or new, is whole and valid
        result = verify_service(store, service, [f"{service}.internal"])
        assert result.ok, (service, result.problems)
    with tls_server(certs / kept[0]) as port:
        assert handshake(port, f"{kept[0]}.internal", certs / "ca.pem") == b"hello"
    assert hvac is not None


def test_issue_many_writes_the_successes_then_raises(local: LocalCA, repo: Path) -> None:
    from gatekeeper.pki.operations import BATCH, issue_many, make_request

    policy = CertsPolicy()
    store = store_for(repo, policy)
    good = [(f"s{i:02d}", make_request(policy, f"s{i:02d}")) for i in range(3 * BATCH)]
    bad = ("bad", dataclasses.replace(good[0][1], ip_addresses=("not-an-ip",)))
    with pytest.raises(ValueError, match="does not appear to be an IPv4 or IPv6 address"):
        issue_many(local, store, [*good[:3], bad, *good[3:]], workers=2)
    # batch 1 (with the failure) and batch 2 (already in flight) are written; batch 3 never starts
    assert store.services() == [f"s{i:02d}" for i in range(2 * BATCH - 1)]
