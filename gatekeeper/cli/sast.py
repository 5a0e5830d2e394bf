"""``gatekeeper sast``: the sast gate alone (bandit's tests, two thresholds, strict ``# nosec``),
or ``--write-baseline`` to accept today's findings (rule, file, stripped source line, count)."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

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
        "sast",
        help=COMMANDS["sast"],
        description="Run bandit's tests on the repository's Python files, judged by the "
        "[sast] policy: exit 0 passed, 1 policy failed, 2 usage/input error.",
    )
    add_repo_argument(parser)
    add_argument(parser, "sast")
    add_base_argument(parser)
    add_policy_argument(parser)
    add_output_arguments(parser)
    parser.set_defaults(
        handler=lambda args: sast(
            args.path,
            write_baseline=args.write_baseline,
            base=args.base,
            policy=args.policy,
            outputs=args.outputs,
        )
    )


def sast(
    path: Path,
    *,
    write_baseline: str | None = None,
    base: str | None = None,
    policy: Path | None = None,
    outputs: Sequence[Output] | None = None,
) -> int:
    """``gatekeeper sast``: the gate judged by the runner, or ``--write-baseline``."""
    section = {"enabled": True}
    if write_baseline is not None:
        from gatekeeper.cli import baseline

        return baseline.write(resolve_root(path), "sast", policy, write_baseline, section)
    return run_gates(
        path, ["sast"], policy=policy, outputs=outputs, base=base, overrides={"sast": section}
    )
