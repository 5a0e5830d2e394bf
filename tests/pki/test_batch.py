"""Writing many services: the serial issue path, the shared chain file, the thread helper."""

from __future__ import annotations

import dataclasses
import errno
import os
import stat
import threading
from pathlib import Path

import pytest

from gatekeeper.pki import fs
from gatekeeper.pki.interface import IssuedCertificate
from gatekeeper.pki.local import INDEX, LocalCA
from gatekeeper.pki.operations import SERIAL_BATCH, issue_many, make_request, store_for
from gatekeeper.pki.settings import LocalSettings
from gatekeeper.pki.store import CHAIN, CertStore
from gatekeeper.pki.verify import verify_service
from gatekeeper.policy.model import CertsPolicy
from tests.pki.listing import listing, shared_chains


def issued(chain: bytes, key: bytes = b"KEY\n") -> IssuedCertificate:
    return IssuedCertificate(key, b"CERT\n", chain, b"ROOT\n", "01")


@pytest.fixture
def local(tmp_path: Path) -> LocalCA:
    from gatekeeper.pki.operations import init_ca

    ca = LocalCA(LocalSettings(ca_dir=tmp_path / "ca"), warn=lambda m: None)
    init_ca(ca, CertsPolicy())
    return ca


def test_chain_is_one_file_linked_into_every_service(tmp_path: Path) -> None:
    store = CertStore(tmp_path / "certs")
    staged, error = store.stage_many([(name, issued(b"CHAIN\n")) for name in "abc"], threads=2)
    assert error is None
    store.commit([pair for pair in staged if pair is not None], threads=2)
    (shared,) = shared_chains(store.path)
    inode = (store.path / shared).stat()
    assert inode.st_nlink == 4 and stat.S_IMODE(inode.st_mode) == 0o644
    for name in "abc":
        chain = (store.path / name / CHAIN).stat()
        assert (chain.st_ino, chain.st_dev) == (inode.st_ino, inode.st_dev)
        assert (store.path / name / CHAIN).read_bytes() == b"CHAIN\n"
    assert listing(store.path) == ["a", "b", "c"]


def test_a_new_chain_gets_a_new_file_and_the_old_one_goes(tmp_path: Path) -> None:
    store = CertStore(tmp_path / "certs")
    store.write_service("a", issued(b"OLD\n"))
    store.write_service("b", issued(b"OLD\n"))
    (old,) = shared_chains(store.path)
    store.write_service("a", issued(b"NEW\n"))
    assert len(shared_chains(store.path)) == 2  # "b" still links the old one
    assert (store.path / "b" / CHAIN).read_bytes() == b"OLD\n"
    store.write_service("b", issued(b"NEW\n"))
    assert old not in shared_chains(store.path)
    assert len(shared_chains(store.path)) == 1
    # another store (another run) re-creates what this one pruned
    assert CertStore(store.path).write_service("c", issued(b"OLD\n")).is_dir()
    assert (store.path / "c" / CHAIN).read_bytes() == b"OLD\n"


def test_a_damaged_shared_chain_is_replaced(tmp_path: Path) -> None:
    store = CertStore(tmp_path / "certs")
    store.write_service("a", issued(b"CHAIN\n"))
    (shared,) = shared_chains(store.path)
    (store.path / shared).unlink()
    (store.path / shared).write_bytes(b"")  # e.g. a crash before the data reached the disk
    fresh = CertStore(store.path)
    fresh.write_service("b", issued(b"CHAIN\n"))
    assert (store.path / "b" / CHAIN).read_bytes() == b"CHAIN\n"
    assert (store.path / shared).read_bytes() == b"CHAIN\n"
    assert (store.path / "a" / CHAIN).read_bytes() == b"CHAIN\n"  # a's own link, untouched


def test_no_hard_links_means_a_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def no_links(src: object, dst: object) -> None:
        raise OSError(errno.EMLINK, "Too many links")

    monkeypatch.setattr("gatekeeper.pki.fs.os.link", no_links)
    store = CertStore(tmp_path / "certs")
    path = store.write_service("a", issued(b"CHAIN\n"))
    chain = (path / CHAIN).stat()
    assert chain.st_nlink == 1 and stat.S_IMODE(chain.st_mode) == 0o644
    assert (path / CHAIN).read_bytes() == b"CHAIN\n"
    assert shared_chains(store.path) == []  # linked by nobody: pruned


def test_pruning_tolerates_a_concurrent_prune(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = CertStore(tmp_path / "certs")
    store.write_service("a", issued(b"OLD\n"))
    real_unlink = os.unlink

    def raced(path: str | Path, *args: object, **kwargs: object) -> None:
        real_unlink(path)
        if Path(path).name.startswith(".chain-"):
            raise FileNotFoundError(errno.ENOENT, "gone")

    monkeypatch.setattr("gatekeeper.pki.store.os.unlink", raced)
    store.write_service("a", issued(b"NEW\n"))
    assert len(shared_chains(store.path)) == 1
    assert (store.path / "a" / CHAIN).read_bytes() == b"NEW\n"


def test_replaced_directory_with_extra_files_is_removed(tmp_path: Path) -> None:
    store = CertStore(tmp_path / "certs")
    store.write_service("a", issued(b""))
    (store.path / "a" / "notes.txt").write_text("mine")
    store.write_service("a", issued(b"", key=b"K2\n"))
    assert listing(store.path) == ["a"]
    assert sorted(p.name for p in (store.path / "a").iterdir()) == [
        "cert.pem",
        "chain.pem",
        "fullchain.pem",
        "key.pem",
    ]


def test_in_parallel_keeps_order_and_stops_after_an_error() -> None:
    results, error = fs.in_parallel(lambda n: n * 2, list(range(50)), threads=3)
    assert results == [n * 2 for n in range(50)] and error is None
    assert fs.in_parallel(lambda n: n, [], threads=2) == ([], None)

    started: list[int] = []
    lock = threading.Lock()

    def fail_at_5(n: int) -> int:
        with lock:
            started.append(n)
        if n == 5:
            raise ValueError("five")
        return n

    results, error = fs.in_parallel(fail_at_5, list(range(1000)), threads=2)
    assert isinstance(error, ValueError) and results[5] is None
    assert results[:5] == [0, 1, 2, 3, 4]
    assert len(started) < 1000  # nothing new starts after the error
    assert all(results[n] == n for n in started if n != 5)


def test_serial_issue_writes_the_successes_then_raises(local: LocalCA, repo: Path) -> None:
    policy = CertsPolicy()
    store = store_for(repo, policy)
    good = [(f"s{i:02d}", make_request(policy, f"s{i:02d}")) for i in range(6)]
    bad = ("bad", dataclasses.replace(good[0][1], ip_addresses=("not-an-ip",)))
    with pytest.raises(ValueError, match="does not appear to be an IPv4 or IPv6 address"):
        issue_many(local, store, [*good[:3], bad, *good[3:]])
    assert store.services() == ["s00", "s01", "s02"]
    for service in store.services():
        assert verify_service(store, service, [f"{service}.internal"]).ok
    assert listing(store.path) == ["ca.pem", "s00", "s01", "s02"]


def test_serial_issue_staging_failure_keeps_the_others(
    local: LocalCA, repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    policy = CertsPolicy()
    store = store_for(repo, policy)
    requests = [(f"s{i:02d}", make_request(policy, f"s{i:02d}")) for i in range(4)]
    issue_many(local, store, requests)
    before = {s: store.read(s, "cert.pem") for s in store.services()}
    real = fs.write_file

    def full_disk(path: Path, data: bytes, mode: int = 0o644, *, sync: bool = True) -> None:
        if path.parent.name.startswith(".s02."):
            raise OSError(errno.ENOSPC, "No space left on device")
        real(path, data, mode, sync=sync)

    monkeypatch.setattr(fs, "write_file", full_disk)
    with pytest.raises(OSError, match="No space"):
        issue_many(local, store, requests)
    assert store.read("s02", "cert.pem") == before["s02"]  # old pair kept
    assert verify_service(store, "s02", ["s02.internal"]).ok
    assert store.read("s00", "cert.pem") != before["s00"]  # staged before the failure: written
    assert listing(store.path) == ["ca.pem", "s00", "s01", "s02", "s03"]


def test_serial_batches(local: LocalCA, repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("gatekeeper.pki.operations.SERIAL_BATCH", 2)
    policy = CertsPolicy()
    store = store_for(repo, policy)
    requests = [(f"s{i}", make_request(policy, f"s{i}")) for i in range(5)]
    done = issue_many(local, store, requests)
    assert [i.service for i in done] == [f"s{i}" for i in range(5)]
    assert SERIAL_BATCH > 2


def test_local_index_is_appended_on_one_descriptor(local: LocalCA, repo: Path) -> None:
    policy = CertsPolicy()
    store = store_for(repo, policy)
    issue_many(local, store, [(f"s{i}", make_request(policy, f"s{i}")) for i in range(3)])
    lines = (local.dir / INDEX).read_text().splitlines()
    assert len(lines) == 3 and all(line.count("\t") == 2 for line in lines)
    local.close()
    local.close()  # idempotent
    issue_many(local, store, [("s9", make_request(policy, "s9"))])  # reopens
    assert len((local.dir / INDEX).read_text().splitlines()) == 4
    local.close()


def test_rsa_keys_are_generated_on_every_core(local: LocalCA, repo: Path) -> None:
    policy = CertsPolicy()
    ec_requests = [make_request(policy, "e", key_type="ec")]
    rsa_requests = [make_request(policy, f"r{i}", key_type="rsa") for i in range(3)]
    assert local.issue_threads(ec_requests) == 1
    assert local.issue_threads([*ec_requests, *rsa_requests]) == (os.cpu_count() or 1)
    store = store_for(repo, policy)
    done = issue_many(local, store, [(r.common_name.split(".")[0], r) for r in rsa_requests])
    assert [i.service for i in done] == ["r0", "r1", "r2"]
    for item in done:
        assert item.key_type == "rsa"
        assert verify_service(store, item.service, [f"{item.service}.internal"]).ok


def test_a_shared_chain_that_is_a_symlink_or_has_another_mode_is_replaced(
    tmp_path: Path,
) -> None:
    store = CertStore(tmp_path / "certs")
    store.write_service("a", issued(b"CHAIN\n"))
    (shared,) = shared_chains(store.path)
    target = store.path / shared
    target.chmod(0o600)
    CertStore(store.path).write_service("b", issued(b"CHAIN\n"))
    assert stat.S_IMODE((store.path / "b" / CHAIN).stat().st_mode) == 0o644
    elsewhere = tmp_path / "elsewhere.pem"
    elsewhere.write_bytes(b"CHAIN\n")
    target.unlink()
    target.symlink_to(elsewhere)
    CertStore(store.path).write_service("c", issued(b"CHAIN\n"))
    assert not target.is_symlink()
    chain = store.path / "c" / CHAIN
    assert not chain.is_symlink() and chain.stat().st_ino == target.stat().st_ino
    assert chain.stat().st_ino != elsewhere.stat().st_ino


def test_an_interrupt_while_deleting_is_raised(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = CertStore(tmp_path / "certs")
    store.write_service("a", issued(b""))

    def interrupted(path: Path, names: object = ()) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(fs, "remove_tree", interrupted)
    with pytest.raises(KeyboardInterrupt):
        store.write_service("a", issued(b"", key=b"K2\n"))
    assert store.read("a", "key.pem") == b"K2\n"  # swapped in before the deletions
