"""``gatekeeper check``: run every gate the policy enables (or those named with --gate)."""

from __future__ import annotations

import argparse
import shlex
from pathlib import Path
from typing import Any

from gatekeeper.cli import COMMANDS
from gatekeeper.cli.common import (
    add_base_argument,
    add_output_arguments,
    add_policy_argument,
    add_repo_argument,
    run_gates,
)
from gatekeeper.errors import UsageError
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
    parser.add_argument(
        "--github",
        action="store_true",
        help="publish the verdict to GitHub: a commit status (a check run with GitHub App "
        "credentials) and one pull request comment edited in place (env: GITHUB_TOKEN, "
        "GITHUB_REPOSITORY, ...; see docs/github.md)",
    )
    parser.add_argument(
        "--cache",
        action="store_true",
        help="pre-push mode: a gate whose inputs (files, policy, tools) did not change since "
        "its last verdict reuses it (the hook passes this; CI does not)",
    )
    coverage = parser.add_mutually_exclusive_group()
    coverage.add_argument(
        "--coverage-data",
        metavar="PATH",
        type=Path,
        default=None,
        help="coverage gate: judge this .coverage, coverage.json or coverage.xml instead of "
        "running the tests (overrides coverage.data)",
    )
    coverage.add_argument(
        "--coverage-command",
        metavar="CMD",
        default=None,
        help="coverage gate: run this test command (split like a shell line, never run by one; "
        "overrides coverage.command and coverage.data)",
    )
    parser.set_defaults(handler=_handle)


def coverage_overrides(data: Path | None, command: str | None) -> dict[str, Any]:
    """The ``[coverage]`` keys that ``--coverage-data`` / ``--coverage-command`` replace."""
    if data is not None:
        return {"data": str(data.resolve())}
    if command is None:
        return {}
    try:
        argv = shlex.split(command)
    except ValueError as exc:
        raise UsageError(f"--coverage-command: {exc}") from None
    if not argv:
        raise UsageError("--coverage-command: give a command, e.g. 'python -m pytest -q'")
    return {"command": argv, "data": None}


def _handle(args: argparse.Namespace) -> int:
    coverage = coverage_overrides(args.coverage_data, args.coverage_command)
    return run_gates(
        args.path,
        args.gates,
        policy=args.policy,
        outputs=args.outputs,
        base=args.base,
        overrides={"coverage": coverage} if coverage else None,
        github=args.github,
        cache=args.cache,
    )
