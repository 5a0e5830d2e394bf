"""``gatekeeper secrets``: the secrets gate alone, ``--history`` to scan every commit, or
``--write-baseline`` to accept today's findings (by hash and count, never the values)."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from gatekeeper.cli import COMMANDS
from gatekeeper.cli.baseline import add_argument
from gatekeeper.cli.common import (
    Output,
    add_base_argument,
    add_output_arguments,
    add_policy_argument,
    add_repo_argument,
    resolve_root,
    run_gates,
)


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
    add_argument(parser, "secrets")
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
        from gatekeeper.cli import baseline

        return baseline.write(resolve_root(path), "secrets", policy, write_baseline, section)
    return run_gates(
        path, ["secrets"], policy=policy, outputs=outputs, base=base, overrides={"secrets": section}
    )
