"""Pre-push mode's verdict cache: hits, misses, and entries it must not trust."""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

import pytest

from gatekeeper.baseline import Counts
from gatekeeper.gates.interface import Gate, GateContext
from gatekeeper.model import GateResult, Severity, Status
from gatekeeper.policy.model import Policy
from gatekeeper.policy.validate import from_mapping
from gatekeeper.runner import run
from gatekeeper.verdicts import Verdict, VerdictCache, decode, encode, repo_inputs
from tests.core.gates_for_tests import finding
from tests.helpers import commit_all, init_repo

TODAY = dt.date(2026, 6, 1)


class CountingGate(Gate):
    """A gate whose inputs are the repository's files, counting its real runs."""

    name = "config"
    description = "counts"

    def __init__(self, result: GateResult, inputs: bool = True) -> None:
        self.result = result
        self.inputs = inputs
        self.runs = 0

    def run(self, ctx: GateContext) -> GateResult:
        self.runs += 1
        return self.result

    def baseline(self, ctx: GateContext) -> Counts | None:
        return {"old": 1}

    def cache_inputs(self, ctx: GateContext) -> bytes | None:
        return repo_inputs(ctx, "tool-1") if self.inputs else None


class BrokenInputs(CountingGate):
    def cache_inputs(self, ctx: GateContext) -> bytes | None:
        raise OSError("unreadable")


def policy(**data: object) -> Policy:
    return from_mapping(Policy, data)


OUTCOMES: list[str] = []


def _check(root: Path, gate: Gate, pol: Policy | None = None, base: str | None = None):
    return run(
        root,
        pol or policy(),
        gates=["config"],
        loader=lambda name: gate,
        today=TODAY,
        cache=True,
        base_ref=base,
        progress=lambda name, outcome: OUTCOMES.append(outcome),
    )


def _repo(tmp_path: Path) -> Path:
    root = init_repo(tmp_path / "repo")
    (root / "app.py").write_text("x = 1\n")
    commit_all(root, "first")
    return root


HIGH = GateResult.ok([finding(severity=Severity.HIGH)], pct=50.0)


@pytest.mark.slow
def test_unchanged_inputs_reuse_the_verdict_and_a_cached_failure_still_fails(
    tmp_path: Path,
) -> None:
    root = _repo(tmp_path)
    gate = CountingGate(HIGH)
    first = _check(root, gate)
    second = _check(root, gate)
    assert gate.runs == 1
    assert OUTCOMES[-1] == "1 finding(s), cached (inputs unchanged)"
    assert first.exit_code == second.exit_code == 1
    assert second.gates[0].status is Status.FAILED
    assert second.gates[0].metrics["pct"] == 50.0
    assert second.findings[0].finding == HIGH.findings[0]


@pytest.mark.slow
def test_a_source_change_staged_unstaged_or_untracked_misses(tmp_path: Path) -> None:
    root = _repo(tmp_path)
    gate = CountingGate(GateResult.ok())
    _check(root, gate)
    (root / "app.py").write_text("x = 2\n")  # unstaged
    _check(root, gate)
    assert gate.runs == 2
    (root / "new.py").write_text("y = 1\n")  # untracked
    _check(root, gate)
    assert gate.runs == 3
    (root / "new.py").write_text("y = 2\n")  # untracked, edited
    _check(root, gate)
    assert gate.runs == 4
    _check(root, gate)
    assert gate.runs == 4


@pytest.mark.slow
def test_a_policy_change_or_another_base_misses(tmp_path: Path) -> None:
    root = _repo(tmp_path)
    gate = CountingGate(GateResult.ok())
    _check(root, gate)
    _check(root, gate, policy(config={"fail_on": "critical"}))
    assert gate.runs == 2
    base = _check(root, gate, base="HEAD")
    assert gate.runs == 3
    _check(root, gate, base="HEAD")
    assert gate.runs == 3  # the baseline is cached with the result
    assert base.gates[0].status is Status.PASSED


@pytest.mark.slow
def test_entries_not_to_be_trusted_are_ignored(tmp_path: Path) -> None:
    root = _repo(tmp_path)
    gate = CountingGate(HIGH)
    _check(root, gate)
    directory = Path(os.environ["GATEKEEPER_CACHE_DIR"]) / "verdicts"
    entry = max(directory.iterdir(), key=lambda p: p.stat().st_mtime_ns)  # this run's
    entry.chmod(0o666)  # world-writable: anyone could have written a pass
    _check(root, gate)
    assert gate.runs == 2
    assert entry.stat().st_mode & 0o777 == 0o600  # rewritten by this run
    entry.write_text("{not json")
    assert _check(root, gate).exit_code == 1
    assert gate.runs == 3


@pytest.mark.slow
def test_gates_without_inputs_or_with_unreadable_ones_always_run(tmp_path: Path) -> None:
    root = _repo(tmp_path)
    for gate in (CountingGate(GateResult.ok(), inputs=False), BrokenInputs(GateResult.ok())):
        _check(root, gate)
        _check(root, gate)
        assert gate.runs == 2


@pytest.mark.slow
def test_errored_results_are_not_stored(tmp_path: Path) -> None:
    root = _repo(tmp_path)
    gate = CountingGate(GateResult.errored("down"))
    _check(root, gate)
    _check(root, gate)
    assert gate.runs == 2


def _cache(tmp_path: Path) -> VerdictCache:
    return VerdictCache(tmp_path / "repo", None, TODAY, tmp_path / "verdicts")


VERDICT = Verdict(HIGH, {"a": 2, "b": 1})


def test_entries_round_trip_and_other_keys_or_formats_are_misses() -> None:
    data = encode("k1", VERDICT)
    assert decode("k1", data) == VERDICT
    assert decode("k2", data) is None
    entry = json.loads(data)
    assert decode("k1", json.dumps({**entry, "format": 0}).encode()) is None
    # format 1 stored the baseline as a set of fingerprints: such entries are ignored
    old = {**entry, "format": 1, "baseline": ["a", "b"]}
    assert decode("k1", json.dumps(old).encode()) is None
    for bad in (["a", "b"], {"a": 0}, {"a": True}, {"a": "2"}):
        assert decode("k1", json.dumps({**entry, "baseline": bad}).encode()) is None
    assert decode("k1", json.dumps({**entry, "findings": [{}]}).encode()) is None
    assert decode("k1", b"\xff") is None
    plain = Verdict(GateResult.skip("nothing here"), None)
    assert decode("k", encode("k", plain)) == plain


def test_store_and_lookup_need_a_private_directory_and_entry(tmp_path: Path) -> None:
    cache = _cache(tmp_path)
    assert cache.lookup("config", "k") is None  # no directory yet
    cache.store("config", "k", VERDICT)
    assert cache.directory.stat().st_mode & 0o777 == 0o700
    assert cache.lookup("config", "k") == VERDICT
    (entry,) = cache.directory.iterdir()
    assert entry.stat().st_mode & 0o777 == 0o600
    entry.chmod(0o620)
    assert cache.lookup("config", "k") is None  # group-writable
    entry.unlink()
    entry.mkdir()
    assert cache.lookup("config", "k") is None  # not a regular file
    entry.rmdir()
    cache.store("config", "k", VERDICT)
    cache.directory.chmod(0o777)
    assert cache.lookup("config", "k") is None  # a world-writable directory
    cache.store("config", "k2", VERDICT)
    cache.directory.chmod(0o700)
    assert cache.lookup("config", "k2") is None  # nothing stored in it meanwhile


def test_a_foreign_entry_is_ignored(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cache = _cache(tmp_path)
    cache.store("config", "k", VERDICT)
    monkeypatch.setattr(os, "getuid", lambda: os.stat(tmp_path).st_uid + 1)
    assert cache.lookup("config", "k") is None


def test_store_gives_up_quietly_when_it_cannot_write(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("")
    blocked = VerdictCache(tmp_path, None, TODAY, tmp_path / "file" / "verdicts")
    blocked.store("config", "k", VERDICT)  # cannot create the directory
    cache = _cache(tmp_path)
    cache.store("config", "k", VERDICT)
    (entry,) = cache.directory.iterdir()
    entry.unlink()
    entry.mkdir()  # the entry cannot be replaced
    cache.store("config", "k", VERDICT)
    assert entry.is_dir()
    assert cache.lookup("config", "k") is None


GATE_NAMES = ("coverage", "config", "runtime", "workflows")


@pytest.mark.slow
def test_a_symlink_in_scope_widens_the_state_to_the_whole_tree(tmp_path: Path) -> None:
    from gatekeeper.git import GitRepo

    root = _repo(tmp_path)
    (root / ".github").mkdir()
    (root / ".github" / "ci.yml").write_text("on: push\n")
    assert GitRepo(root).state(".github") != GitRepo(root).state()
    (root / ".github" / "linked.yml").symlink_to("../app.py")
    assert GitRepo(root).state(".github") == GitRepo(root).state()
    commit_all(root, "link")
    assert GitRepo(root).state(".github") == GitRepo(root).state()


@pytest.mark.slow
def test_the_gates_declare_their_inputs(tmp_path: Path) -> None:
    from gatekeeper.gates import load_gate
    from gatekeeper.gates.workflows.gate import WorkflowsGate
    from gatekeeper.git import GitRepo

    root = _repo(tmp_path)
    ctx = GateContext(root, policy(), GitRepo(root))
    state = ctx.git.state()
    assert b"app.py" in state
    inputs = {name: load_gate(name).cache_inputs(ctx) for name in GATE_NAMES}
    for name in ("coverage", "config"):  # every file may matter
        assert (inputs[name] or b"").startswith(state), name
    (root / "app.py").write_text("x = 3\n")
    changed = {
        name: load_gate(name).cache_inputs(GateContext(root, ctx.policy, GitRepo(root)))
        for name in GATE_NAMES
    }
    assert {name for name in GATE_NAMES if changed[name] != inputs[name]} == {"coverage", "config"}
    (root / ".python-version").write_text("3.12\n")
    (root / "action.yml").write_text("runs: {using: composite, steps: []}\n")
    again = {
        name: load_gate(name).cache_inputs(GateContext(root, ctx.policy, GitRepo(root)))
        for name in GATE_NAMES
    }
    assert all(again[name] != changed[name] for name in GATE_NAMES)
    assert b"VIRTUAL_ENV=" in (inputs["coverage"] or b"")
    assert b"zizmor" in (inputs["workflows"] or b"")
    data_mode = GateContext(root, policy(coverage={"data": "coverage.json"}), ctx.git)
    assert load_gate("coverage").cache_inputs(data_mode) is None  # the data file: untracked
    assert WorkflowsGate(engine=lambda *a: b"[]").cache_inputs(ctx) is None
    assert load_gate("audit").cache_inputs(ctx) is None  # advisory age: by the hour
    assert load_gate("certs").cache_inputs(ctx) is None  # expiry: by the second
