"""The ``gatekeeper`` command: parse, build objects, run, render, return an exit code.

Each subcommand lives in its own module with a ``register(subparsers)`` function. Those modules
import only the standard library at the top, so ``--help`` and ``--version`` start fast; the work
is imported inside the handlers.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence

from gatekeeper import __version__
from gatekeeper.errors import EXIT_INPUT, EXIT_INTERNAL, GatekeeperError

#: Subcommand modules under gatekeeper.cli, in --help order.
COMMANDS = ("check", "audit", "advisories", "outdated", "certs", "config")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="gatekeeper",
        description="One security and CI policy for Python services.",
        epilog="exit codes: 0 passed, 1 policy failed, 2 usage/config/input error, "
        "3 backend unreachable (Vault, devpi, GitHub, advisory source), 4 internal error",
    )
    parser.add_argument("--version", action="version", version=f"gatekeeper {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMANDS:
        importlib.import_module(f"gatekeeper.cli.{name}").register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse reports usage errors itself (exit 2) and --help (0)
        return int(exc.code) if isinstance(exc.code, int) else EXIT_INPUT
    try:
        code: int = args.handler(args)
    except GatekeeperError as exc:
        print(f"gatekeeper: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("gatekeeper: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # a bug in gatekeeper: never a pass, never a bare traceback
        if os.environ.get("GATEKEEPER_DEBUG"):
            raise
        print(
            f"gatekeeper: internal error: {exc.__class__.__name__}: {exc} "
            "(set GATEKEEPER_DEBUG=1 for a traceback and report it)",
            file=sys.stderr,
        )
        return EXIT_INTERNAL
    return code
