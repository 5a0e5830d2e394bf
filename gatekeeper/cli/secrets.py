"""``gatekeeper secrets``: the secrets gate alone, ``--history`` to scan every commit, or
``--write-baseline`` to accept today's findings (by hash and count, never the values)."""

from __future__ import annotations

import argparse
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from gatekeeper.cli import COMMANDS
from gatekeeper.cli.common import (
    Output,
    add_base_argument,
    add_output_arguments,
    add_policy_argument,
    add_repo_argument,
    load,
    resolve_root,
    run_gates,
    say,
)
from gatekeeper.errors import EXIT_PASSED

#: Where ``--write-baseline`` writes without a PATH and without ``secrets.baseline``.
DEFAULT_BASELINE = ".gatekeeper/secrets-baseline.json"


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser(
        "secrets",
        help=COMMANDS["secrets"],
        description="Scan the repository's git-tracked files for committed credentials: exit 0 "
        "passed, 1 policy failed, 2 usage/input error.",
    )
    add_repo_argument(parser)
    parser.add_argument(
        "--history",
        action="store_true",
        help="also scan every commit reachable from HEAD (secrets.history)",
    )
    parser.add_argument(
        "--write-baseline",
        nargs="?",
        const="",
        default=None,
        metavar="PATH",
        help="accept the current findings: write them (hashes and counts) to PATH (default: "
        f"secrets.baseline, else {DEFAULT_BASELINE})",
    )
    add_base_argument(parser)
    add_policy_argument(parser)
    add_output_arguments(parser)
    parser.set_defaults(
        handler=lambda args: secrets(
            args.path,
            history=args.history,
            write_baseline=args.write_baseline,
            base=args.base,
            policy=args.policy,
            outputs=args.outputs,
        )
    )


def secrets(
    path: Path,
    *,
    history: bool = False,
    write_baseline: str | None = None,
    base: str | None = None,
    policy: Path | None = None,
    outputs: Sequence[Output] | None = None,
) -> int:
    """``gatekeeper secrets``: the gate judged by the runner, or ``--write-baseline``."""
    section: dict[str, Any] = {"enabled": True}
    if history:
        section["history"] = True
    if write_baseline is not None:
        return _write_baseline(resolve_root(path), policy, section, write_baseline)
    return run_gates(
        path, ["secrets"], policy=policy, outputs=outputs, base=base, overrides={"secrets": section}
    )


def _write_baseline(root: Path, policy: Path | None, section: dict[str, Any], target: str) -> int:
    from gatekeeper import baseline
    from gatekeeper.gates.interface import GateContext
    from gatekeeper.gates.secrets.gate import SecretsGate
    from gatekeeper.git import GitRepo
    from gatekeeper.model import Severity
    from gatekeeper.policy.load import with_overrides

    loaded = with_overrides(load(policy, root, os.environ).policy, {"secrets": section})
    configured = loaded.secrets.baseline
    out = Path(target) if target else root / (configured or DEFAULT_BASELINE)
    result = SecretsGate().run(GateContext(root=root, policy=loaded, git=GitRepo(root)))
    accepted = [f for f in result.findings if f.severity is not Severity.INFO]
    out.parent.mkdir(parents=True, exist_ok=True)
    entries = baseline.write(out, accepted)
    say(f"baseline: {len(accepted)} finding(s) as {len(entries)} entr(y/ies) written to {out}")
    if configured is None:
        say(f'set `baseline = "{DEFAULT_BASELINE}"` (or its path) under [secrets] to use it')
    return EXIT_PASSED
