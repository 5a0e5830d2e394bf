"""The ``runtime`` gate: the Python lines a repository targets and their support generation.

Rules: the constants below (see docs/runtime.md). Each line a repository names is one finding of
its generation (naughty, maintenance or current), with the upgrade path one release line at a
time; sources that disagree are findings of their own; so is a release table older than a year.
Fingerprints hold the line and the sources' text, never line numbers.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING

from gatekeeper.gates.interface import Gate, GateContext
from gatekeeper.gates.runtime.detect import Found, Role, detect
from gatekeeper.model import Finding, GateResult, Location, Rule, Severity
from gatekeeper.runtime_table import (
    MAX_TABLE_AGE,
    TABLE_DATE,
    Generation,
    Line,
    Status,
    latest_released,
    line_name,
    status,
    table_age,
    table_stale,
    upgrade_path,
)

if TYPE_CHECKING:
    from pathlib import Path

    from gatekeeper.policy.model import RuntimePolicy

NAUGHTY = Rule(
    "GK-RUN-001",
    "Python runtime is end of life or a pre-release",
    Severity.HIGH,
    cwe=1104,
    description="A targeted Python line past its end of life, unknown to the release table, "
    "or a pre-release in production (requires-python, .python-version, runtime.txt, "
    "Dockerfile): upgrade first, one release line at a time.",
)
MAINTENANCE = Rule(
    "GK-RUN-002",
    "Python runtime in maintenance (security fixes only)",
    Severity.LOW,
    description="A targeted Python line past its bugfix period. `runtime.fail_on_maintenance` "
    "makes it fail the gate.",
)
CURRENT = Rule(
    "GK-RUN-003",
    "Python runtime is current",
    Severity.INFO,
    description="A targeted Python line in its bugfix period, or a pre-release that is only "
    "tested (CI, tox, nox, classifiers), not run in production.",
)
DISAGREEMENT = Rule(
    "GK-RUN-004",
    "Python version sources disagree",
    Severity.MEDIUM,
    description="Two sources name different Python lines: deployment pins that differ, a "
    "version below the lowest requires-python admits, or tests that start above it.",
)
STALE_TABLE = Rule(
    "GK-RUN-005",
    "Python release table is stale",
    Severity.MEDIUM,
    description="gatekeeper's embedded Python release table is more than a year older than the "
    "run: its generations may be wrong; upgrade gatekeeper.",
)
RULES: tuple[Rule, ...] = (NAUGHTY, MAINTENANCE, CURRENT, DISAGREEMENT, STALE_TABLE)

#: The sources, for the skip reason.
SOURCES = (
    "requires-python, classifiers, .python-version, runtime.txt, Dockerfile, "
    ".github/workflows, tox.ini, noxfile.py"
)
_PRODUCTION = (Role.PIN, Role.FLOOR)


class RuntimeGate(Gate):
    name = "runtime"
    description = "the Python a repository targets: end of life, maintenance or current"
    rules = RULES

    def __init__(self, today: dt.date | None = None) -> None:
        self._today = today

    def run(self, ctx: GateContext) -> GateResult:
        return inspect_runtime(ctx.root, ctx.policy.runtime, self._today)

    def cache_inputs(self, ctx: GateContext) -> bytes | None:
        from gatekeeper.gates.runtime.detect import READ_FILES
        from gatekeeper.verdicts import repo_inputs

        # The files detection reads; the release table is gatekeeper's own (versioned).
        return repo_inputs(ctx, str(self._today), paths=(*READ_FILES, ".github/workflows"))


def inspect_runtime(root: Path, policy: RuntimePolicy, today: dt.date | None = None) -> GateResult:
    """The gate's result for ``root`` on ``today`` (default: today in UTC)."""
    today = today or dt.datetime.now(dt.UTC).date()
    detection = detect(root)
    skipped = sum(detection.skipped.values())
    if not detection.found:
        reason = f"no Python version found ({SOURCES})"
        if skipped:
            reason += f"; {skipped} value(s) named no CPython version"
        return GateResult.skip(reason)
    by_line: dict[Line, list[Found]] = {}
    for found in detection.found:
        by_line.setdefault(found.version, []).append(found)
    findings: list[Finding] = []
    counts = dict.fromkeys(("naughty", "maintenance", "current"), 0)
    for line in sorted(by_line):
        finding, generation = _generation(line, by_line[line], policy, today)
        counts[generation.value] += 1
        findings.append(finding)
    findings += _disagreements(detection.found)
    if table_stale(today):
        days = table_age(today).days
        findings.append(
            STALE_TABLE.finding(
                f"the Python release table is dated {TABLE_DATE.isoformat()}, {days} days ago "
                f"(more than {MAX_TABLE_AGE.days}): upgrade gatekeeper",
                TABLE_DATE.isoformat(),
                data={"table_date": TABLE_DATE.isoformat(), "age_days": days},
            )
        )
    return GateResult.ok(
        findings,
        sources=len(detection.found),
        lines=len(by_line),
        skipped_values=skipped,
        table_date=TABLE_DATE.isoformat(),
        **counts,
    )


def _generation(
    line: Line, sources: list[Found], policy: RuntimePolicy, today: dt.date
) -> tuple[Finding, Generation]:
    """The finding of ``line``'s generation, named by ``sources``, and the generation."""
    state = status(line, today)
    production = [f for f in sources if f.role in _PRODUCTION]
    first = (production or sources)[0]
    name = line_name(line)
    named = "; ".join(f.describe() for f in sources)
    path = upgrade_path(line, today)
    latest = latest_released(today).name
    data = {
        "version": name,
        "phase": state.phase,
        "sources": [f.where for f in sources],
        "upgrade_path": [line_name(step) for step in path],
        "latest": latest,
    }
    if state.release is not None:
        data |= {"bugfix_until": str(state.release.bugfix_until), "eol": str(state.release.eol)}
    location = Location(first.path, first.line)
    upgrade = f"; upgrade one line at a time: {' → '.join(data['upgrade_path'])}" if path else ""
    prerelease_build = [f for f in production if f.prerelease]
    if state.phase in ("pre-release", "unknown") and not production:
        message = f"Python {name} is {_phase(state)}, only tested here: {named}"
        generation, rule, severity = Generation.CURRENT, CURRENT, None
    elif state.phase in ("pre-release", "unknown") or prerelease_build:
        what = _phase(state) if not prerelease_build else "a pre-release build"
        message = (
            f"Python {name} is {what} in production (naughty): {named}; "
            f"run a released line (the latest is {latest})"
        )
        generation, rule, severity = Generation.NAUGHTY, NAUGHTY, None
    elif state.generation is Generation.NAUGHTY:
        message = f"Python {name} is {_phase(state)} (naughty): {named}{upgrade}"
        generation, rule, severity = Generation.NAUGHTY, NAUGHTY, None
    elif state.generation is Generation.MAINTENANCE:
        message = f"Python {name} gets security fixes only ({_phase(state)}): {named}{upgrade}"
        generation, rule = Generation.MAINTENANCE, MAINTENANCE
        severity = max(Severity.LOW, policy.fail_on) if policy.fail_on_maintenance else None
    else:
        message = f"Python {name} is current ({_phase(state)}): {named}{upgrade}"
        generation, rule, severity = Generation.CURRENT, CURRENT, None
    texts = sorted({f"{f.path}={f.text}" for f in sources})
    data["generation"] = generation.value
    finding = rule.finding(
        message, name, state.phase, *texts, location=location, severity=severity, data=data
    )
    return finding, generation


def _phase(state: Status) -> str:
    release = state.release
    if state.phase == "end of life":
        return f"end of life since {release.eol}" if release else "end of life"
    if release is None:  # unknown: newer than the table
        return "unknown to the release table"
    if state.phase == "pre-release":
        return f"a pre-release until {release.released}"
    if state.phase == "security":
        return f"bugfix ended {release.bugfix_until}, end of life {release.eol}"
    return f"bugfix until {release.bugfix_until}"


def _disagreements(found: Sequence[Found]) -> list[Finding]:
    findings = []
    pins = [f for f in found if f.role is Role.PIN]
    floors = [f for f in found if f.role is Role.FLOOR]
    findings += [
        _disagree(pins[0], pin, "the deployment pins differ")
        for pin in pins[1:]
        if pin.version != pins[0].version
    ]
    if floors:
        floor = floors[0]
        lowest = line_name(floor.version)
        findings += [
            _disagree(
                floor,
                other,
                f"{line_name(other.version)} is below {lowest}, the lowest "
                "line requires-python admits",
            )
            for other in found
            if other.role is not Role.FLOOR and other.version < floor.version
        ]
        starts: dict[tuple[str, str], Found] = {}
        for other in found:
            key = (other.source, other.path)
            if other.role is Role.LISTED and (
                key not in starts or other.version < starts[key].version
            ):
                starts[key] = other
        findings += [
            _disagree(
                floor,
                start,
                f"requires-python admits {lowest} but {start.source} starts "
                f"at {line_name(start.version)}",
            )
            for start in starts.values()
            if start.version > floor.version
        ]
    return findings


def _disagree(first: Found, second: Found, reason: str) -> Finding:
    message = f"{first.describe()} and {second.describe()} disagree: {reason}"
    return DISAGREEMENT.finding(
        message,
        first.path,
        first.text,
        second.path,
        second.text,
        location=Location(second.path, second.line),
        data={
            "sources": [first.where, second.where],
            "versions": [line_name(first.version), line_name(second.version)],
        },
    )
