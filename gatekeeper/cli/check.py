"""``gatekeeper check``: run every gate the policy enables (or those named with --gate)."""

from __future__ import annotations

import argparse

from gatekeeper.cli import COMMANDS
from gatekeeper.cli.common import (
    add_base_argument,
    add_output_arguments,
    add_policy_argument,
    add_repo_argument,
    run_gates,
)
from gatekeeper.gates import GATES


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser(
        "check",
        help=COMMANDS["check"],
        description="Run the gates the policy enables on the repository at PATH and judge the "
        "findings: exit 0 passed, 1 policy failed, 2 usage/input error, 3 backend unreachable.",
    )
    add_repo_argument(parser)
    parser.add_argument(
        "--gate",
        dest="gates",
        action="append",
        default=[],
        choices=list(GATES),
        metavar="NAME",
        help=f"run only this gate (repeatable): {', '.join(GATES)}",
    )
    add_base_argument(parser)
    add_policy_argument(parser)
    add_output_arguments(parser)
    parser.set_defaults(
        handler=lambda args: run_gates(
            args.path, args.gates, policy=args.policy, outputs=args.outputs, base=args.base
        )
    )
