"""``--write-baseline [PATH]`` for a gate's own command (``gatekeeper sast``, ``gatekeeper
secrets``): run the gate once and accept what it finds now, as a counted baseline
(:mod:`gatekeeper.baseline`: rule, fingerprint, count and first path; never a secret).

Not a subcommand itself: the commands that take the option register it with
:func:`add_argument` and call :func:`write`. Standard library only at module top.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any


def default_path(gate: str) -> str:
    """Where ``--write-baseline`` writes without a PATH and without ``GATE.baseline``."""
    return f".gatekeeper/{gate}-baseline.json"


def add_argument(parser: argparse.ArgumentParser, gate: str) -> None:
    parser.add_argument(
        "--write-baseline",
        nargs="?",
        const="",
        default=None,
        metavar="PATH",
        help=f"accept the current findings: write them (fingerprints and counts) to PATH "
        f"(default: {gate}.baseline, else {default_path(gate)})",
    )


def write(
    root: Path,
    gate: str,
    policy: Path | None,
    target: str,
    overrides: Mapping[str, Any] | None = None,
) -> int:
    """Run ``gate`` on ``root`` (its section changed by ``overrides``) and write the baseline
    accepting its findings to ``target`` (empty: the section's ``baseline``, else
    :func:`default_path`). Info findings are not accepted (they never fail), nor those the gate
    says no baseline may hide (:attr:`~gatekeeper.gates.interface.Gate.never_baselined`)."""
    from gatekeeper import baseline
    from gatekeeper.cli.common import load, say
    from gatekeeper.errors import EXIT_PASSED
    from gatekeeper.gates import load_gate
    from gatekeeper.gates.interface import GateContext
    from gatekeeper.git import GitRepo
    from gatekeeper.model import Severity
    from gatekeeper.policy.load import with_overrides

    loaded = with_overrides(load(policy, root, os.environ).policy, {gate: overrides or {}})
    configured: str | None = getattr(loaded, gate).baseline
    out = Path(target) if target else root / (configured or default_path(gate))
    runner = load_gate(gate)
    result = runner.run(GateContext(root=root, policy=loaded, git=GitRepo(root)))
    if result.error is not None:
        from gatekeeper.errors import InputError

        raise InputError(f"{gate} errored, no baseline written: {result.error}")
    accepted = [
        f
        for f in result.findings
        if f.severity is not Severity.INFO and f.rule_id not in runner.never_baselined
    ]
    out.parent.mkdir(parents=True, exist_ok=True)
    entries = baseline.write(out, accepted)
    say(f"baseline: {len(accepted)} finding(s) as {len(entries)} entr(y/ies) written to {out}")
    if configured is None:
        say(f'set `baseline = "{default_path(gate)}"` (or its path) under [{gate}] to use it')
    return EXIT_PASSED
