"""The validated-policy cache: hits, misses, corrupt entries, unwritable directories."""

from __future__ import annotations

import datetime as dt
import json
import os
import stat
from pathlib import Path

import pytest

from gatekeeper.errors import PolicyError
from gatekeeper.model import Severity
from gatekeeper.policy import cache
from gatekeeper.policy.common import Waiver
from gatekeeper.policy.load import BUILTIN, load_policy, with_overrides
from gatekeeper.policy.model import Policy
from tests.no_pydantic import run_main


@pytest.fixture
def cache_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "cache"
    monkeypatch.setenv("GATEKEEPER_CACHE_DIR", str(root))
    return root


def entries(cache_root: Path) -> list[Path]:
    return sorted((cache_root / "policy").glob("*.json"))


def repo(tmp_path: Path, audit: str = 'fail_on = "critical"') -> Path:
    root = tmp_path / "repo"
    root.mkdir(exist_ok=True)
    (root / "pyproject.toml").write_text(
        f'[project]\nname = "x"\n[tool.gatekeeper.audit]\n{audit}\n'
    )
    return root


def test_miss_writes_an_entry_and_the_hit_reads_it(tmp_path: Path, cache_root: Path) -> None:
    root = repo(tmp_path)
    first = load_policy(root)
    [entry] = entries(cache_root)
    assert stat.S_IMODE(entry.stat().st_mode) == 0o600
    stored = json.loads(entry.read_text())
    assert stored["sources"] == [BUILTIN, str(root / "pyproject.toml")]
    assert stored["policy"]["audit"]["fail_on"] == "critical"
    # The next load is served from the entry: prove it by changing the entry.
    stored["policy"]["audit"]["max_age_days"] = 9
    entry.write_text(json.dumps(stored))
    second = load_policy(root)
    assert second.sources == first.sources
    assert second.policy.audit.max_age_days == 9
    assert second.policy.audit.fail_on is Severity.CRITICAL
    assert second.policy.waiver == first.policy.waiver


def test_hit_equals_a_fresh_validation(tmp_path: Path, cache_root: Path) -> None:
    root = repo(tmp_path)
    (root / "pyproject.toml").write_text(
        '[tool.gatekeeper]\n[[tool.gatekeeper.waiver]]\nid = "X"\nreason = "r"\n'
        'expires = 2030-01-02\npath = "a/*"\n[[tool.gatekeeper.certs.services]]\nname = "api"\n'
        'ips = ["10.0.0.1"]\nkey_type = "ec"\n'
    )
    miss, hit = load_policy(root), load_policy(root)
    assert hit == miss
    assert hit.policy.waiver[0].expires.isoformat() == "2030-01-02"
    assert hit.policy.certs.services[0].ips == ["10.0.0.1"]


@pytest.mark.parametrize("content", [b"not json", b"[1, 2]", b'{"policy": {}}', b"{}"])
def test_corrupt_entry_is_ignored_and_replaced(
    tmp_path: Path, cache_root: Path, content: bytes
) -> None:
    root = repo(tmp_path)
    expected = load_policy(root)
    [entry] = entries(cache_root)
    entry.write_bytes(content)
    assert load_policy(root) == expected
    assert json.loads(entry.read_text())["policy"]["audit"]["fail_on"] == "critical"


@pytest.mark.parametrize("change", ["group-writable", "other-user"])
def test_untrusted_entry_is_ignored(
    tmp_path: Path, cache_root: Path, monkeypatch: pytest.MonkeyPatch, change: str
) -> None:
    root = repo(tmp_path)
    load_policy(root)
    [entry] = entries(cache_root)
    stored = json.loads(entry.read_text())
    stored["policy"]["audit"]["fail_on"] = "info"  # a planted policy that waves everything through
    entry.write_text(json.dumps(stored))
    if change == "group-writable":
        entry.chmod(0o664)
    else:
        real = os.getuid()
        monkeypatch.setattr(os, "getuid", lambda: real + 4242)  # the entry is now someone else's
    assert load_policy(root).policy.audit.fail_on is Severity.CRITICAL


def test_trust_check_without_posix_owners(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    entry = tmp_path / "entry.json"
    cache.write(entry, {"x": 1})
    entry.chmod(0o666)
    assert cache.read(entry) is None
    monkeypatch.delattr(os, "getuid")
    assert cache.read(entry) == {"x": 1}


def test_a_changed_source_changes_the_key(tmp_path: Path, cache_root: Path) -> None:
    root = repo(tmp_path)
    assert load_policy(root).policy.audit.fail_on is Severity.CRITICAL
    repo(tmp_path, 'fail_on = "low"')
    assert load_policy(root).policy.audit.fail_on is Severity.LOW
    assert len(entries(cache_root)) == 2
    (root / "policies").mkdir()
    (root / "policies" / "default.toml").write_text("[coverage]\nlines = 90\n")
    assert load_policy(root).policy.coverage.lines == 90.0
    assert len(entries(cache_root)) == 3


def test_key_covers_names_texts_and_order() -> None:
    base = cache.key([("a", "x"), ("b", "y")])
    assert (
        len({base, cache.key([("a", "x"), ("b", "z")]), cache.key([("b", "y"), ("a", "x")])}) == 3
    )
    assert cache.key([("ax", "")]) != cache.key([("a", "x")])
    assert cache.key([("a", "x"), ("b", "y")]) == base


def test_unwritable_cache_never_fails_the_run(tmp_path: Path, cache_root: Path) -> None:
    cache_root.write_text("a file where the directory should be")
    assert load_policy(repo(tmp_path)).policy.audit.fail_on is Severity.CRITICAL


def test_failed_replace_leaves_no_temp_file(tmp_path: Path) -> None:
    target = tmp_path / "policy" / "entry.json"
    (target / "occupied").mkdir(parents=True)  # os.replace cannot replace a non-empty dir
    cache.write(target, {"policy": {}})
    assert sorted(p.name for p in target.parent.iterdir()) == ["entry.json"]


def test_invalid_policy_is_not_cached(tmp_path: Path, cache_root: Path) -> None:
    root = repo(tmp_path, 'fial_on = "low"')
    for _ in range(2):
        with pytest.raises(PolicyError, match="audit.fial_on: unknown key"):
            load_policy(root)
    assert entries(cache_root) == []


def test_cache_dir_locations(tmp_path: Path) -> None:
    assert cache.cache_dir({"GATEKEEPER_CACHE_DIR": str(tmp_path)}) == tmp_path / "policy"
    xdg = {"XDG_CACHE_HOME": str(tmp_path / "xdg")}
    assert cache.cache_dir(xdg) == tmp_path / "xdg" / "gatekeeper" / "policy"
    home = Path.home() / ".cache" / "gatekeeper" / "policy"
    assert cache.cache_dir({"XDG_CACHE_HOME": "relative"}) == home
    assert cache.cache_dir({"GATEKEEPER_CACHE_DIR": ""}) == home
    assert cache.cache_dir() == Path(os.environ["GATEKEEPER_CACHE_DIR"]) / "policy"


def test_overrides_are_validated_then_cached(tmp_path: Path, cache_root: Path) -> None:
    policy = Policy()
    changed = with_overrides(policy, {"audit": {"files": ["req.txt"], "fail_on": "low"}})
    assert changed.audit.files == ["req.txt"]
    assert changed.audit.fail_on is Severity.LOW
    [entry] = entries(cache_root)
    stored = json.loads(entry.read_text())
    stored["policy"]["audit"]["files"] = ["from-cache.txt"]
    entry.write_text(json.dumps(stored))
    again = with_overrides(policy, {"audit": {"fail_on": "low", "files": ["req.txt"]}})
    assert again.audit.files == ["from-cache.txt"]
    with pytest.raises(PolicyError, match="audit.max_age_days"):
        with_overrides(policy, {"audit": {"max_age_days": -1}})
    # A value JSON cannot express skips the cache (and here fails validation as before).
    with pytest.raises(PolicyError, match="audit.db"):
        with_overrides(policy, {"audit": {"db": tmp_path}})
    assert len(entries(cache_root)) == 1
    # ... and when such a value is valid, the result is right but not cached.
    enum = with_overrides(policy, {"audit": {"fail_on": Severity.CRITICAL}})
    assert enum.audit.fail_on is Severity.CRITICAL
    assert len(entries(cache_root)) == 1


def test_overrides_keep_waivers(cache_root: Path) -> None:
    waiver = Waiver(id="CVE-1", reason="r", expires=dt.date(2030, 1, 2))
    policy = Policy(waiver=[waiver])
    for _ in range(2):  # a miss, then a hit
        changed = with_overrides(policy, {"coverage": {"lines": 90}})
        assert changed.waiver == [waiver]
        assert changed.coverage.lines == 90.0


@pytest.mark.slow
def test_no_pydantic_when_the_policy_is_cached(tmp_path: Path, cache_root: Path) -> None:
    root = repo(tmp_path)
    (root / "certs").mkdir()
    env = {**os.environ, "GATEKEEPER_CA_DIR": str(tmp_path / "ca")}
    args = ("certs", "status", "--repo", str(root))
    assert run_main(*args, env=env) == (0, True)  # first run: validated with pydantic
    assert run_main(*args, env=env) == (0, False)  # second run: from the cache
