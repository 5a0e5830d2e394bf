"""Real Gate subclasses with fixed behaviour, to exercise the runner's judgement."""

from __future__ import annotations

from gatekeeper.baseline import Counts
from gatekeeper.errors import BackendUnavailable, GatekeeperError, PolicyError
from gatekeeper.gates.interface import Gate, GateContext
from gatekeeper.model import Finding, GateResult, Location, Scope, Severity, make_fingerprint


def finding(
    rule: str = "GK-TST-001",
    severity: Severity = Severity.HIGH,
    key: str = "a",
    path: str | None = "src/app.py",
    scope: Scope | None = None,
    ids: tuple[str, ...] = (),
) -> Finding:
    return Finding(
        rule,
        severity,
        f"problem {key}",
        make_fingerprint(rule, key),
        Location(path, 3, 1) if path else None,
        scope=scope,
        ids=ids,
    )


class FixedGate(Gate):
    name = "fixed"
    description = "returns what it was given"

    def __init__(self, result: GateResult, baseline: Counts | None = None) -> None:
        self.result = result
        self._baseline = baseline
        self.baseline_calls = 0

    def run(self, ctx: GateContext) -> GateResult:
        return self.result

    def baseline(self, ctx: GateContext) -> Counts | None:
        self.baseline_calls += 1
        return self._baseline


class RaisingGate(Gate):
    name = "raising"
    description = "raises"

    def __init__(self, exc: BaseException) -> None:
        self.exc = exc

    def run(self, ctx: GateContext) -> GateResult:
        raise self.exc


__all__ = [
    "BackendUnavailable",
    "FixedGate",
    "GatekeeperError",
    "PolicyError",
    "RaisingGate",
    "finding",
]
