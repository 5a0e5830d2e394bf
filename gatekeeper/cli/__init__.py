"""The ``gatekeeper`` command: parse, build objects, run, render, return an exit code.

Each subcommand lives in its own module with a ``register(subparsers)`` function. Only the
module of the command being run is imported and registered; the others get a placeholder parser
holding their one-line help, enough for ``gatekeeper --help`` and for argparse's "invalid choice"
message. The command modules import only the standard library at the top, and the work is
imported inside the handlers, so every command starts fast (this runs on every push).

A parser's ``handler`` unpacks the parsed values into its command function, which takes plain
typed values and returns the exit code; :func:`main` alone turns what escapes into a message and
an exit code (a :class:`~gatekeeper.errors.GatekeeperError` its own, an OS error on a path 2,
anything else 4).
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence

from gatekeeper import __version__
from gatekeeper.errors import EXIT_INPUT, EXIT_INTERNAL, GatekeeperError, PolicyError
from gatekeeper.net.urls import redact

#: Subcommand modules under gatekeeper.cli, in --help order, with their one-line help.
COMMANDS: dict[str, str] = {
    "check": "run the policy's gates on a repository",
    "audit": "audit dependencies against the advisory database",
    "advisories": "sync or inspect the local OSV advisory database",
    "outdated": "show dependencies with newer versions on the package index",
    "certs": "issue, renew, revoke and check service certificates (internal CA)",
    "config": "validate a service's settings for its environments",
    "inventory": "list an organisation's Python services: runtime, owners, packages",
    "hook": "install, uninstall or run the git pre-push hook",
    "secrets": "scan git-tracked files (and --history) for committed credentials",
    "sast": "run bandit's tests on the Python code (two thresholds, strict # nosec)",
    "registry": "set up, lint and use the internal devpi registry",
    "publish": "vet an internal package and release it to devpi (staging, smoke test, prod)",
}


def _command(argv: Sequence[str]) -> str | None:
    """The subcommand ``argv`` runs: its first argument that is not an option, if known."""
    first = next((arg for arg in argv if not arg.startswith("-")), None)
    return first if first in COMMANDS else None


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The parser for ``argv``; with ``None``, every command is registered in full."""
    parser = argparse.ArgumentParser(
        prog="gatekeeper",
        description="One security and CI policy for Python services.",
        epilog="exit codes: 0 passed, 1 policy failed, 2 usage/config/input error, "
        "3 backend unreachable (Vault, devpi, GitHub, advisory source), 4 internal error",
    )
    parser.add_argument("--version", action="version", version=f"gatekeeper {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    wanted = None if argv is None else _command(argv)
    for name, help_text in COMMANDS.items():
        if argv is None or name == wanted:
            importlib.import_module(f"gatekeeper.cli.{name}").register(sub)
        else:
            sub.add_parser(name, help=help_text, add_help=False)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = build_parser(argv)
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse reports usage errors itself (exit 2) and --help (0)
        return int(exc.code) if isinstance(exc.code, int) else EXIT_INPUT
    try:  # handlers take the parsed values and return the exit code; errors end here
        code: int = args.handler(args)
    except GatekeeperError as exc:
        # An invalid policy lists every problem, one per line: each gets the prefix.
        for line in str(exc).splitlines() if isinstance(exc, PolicyError) else [str(exc)]:
            print(f"gatekeeper: error: {redact(line)}", file=sys.stderr)
        return exc.exit_code
    except OSError as exc:
        if exc.filename is None:
            return _internal(exc)
        # A path that cannot be read or written (read-only, missing, full disk) is input.
        print(
            f"gatekeeper: error: {redact(f'{exc.filename}: {exc.strerror or exc}')}",
            file=sys.stderr,
        )
        return EXIT_INPUT
    except KeyboardInterrupt:
        print("gatekeeper: interrupted", file=sys.stderr)
        return 130
    except SystemExit as exc:
        if exc.code == EXIT_INPUT:  # argparse's usage error from a parser a command used
            return EXIT_INPUT
        # A library's sys.exit() ended the command: never its code (0 would be a pass).
        print(
            f"gatekeeper: internal error: the command ended with SystemExit({exc.code!r}) "
            "before returning a result (report it)",
            file=sys.stderr,
        )
        return EXIT_INTERNAL
    except Exception as exc:  # a bug in gatekeeper: never a pass, never a bare traceback
        return _internal(exc)
    return code


def _internal(exc: Exception) -> int:
    if os.environ.get("GATEKEEPER_DEBUG"):
        raise exc
    print(
        f"gatekeeper: internal error: {exc.__class__.__name__}: {redact(str(exc))} "
        "(set GATEKEEPER_DEBUG=1 for a traceback and report it)",
        file=sys.stderr,
    )
    return EXIT_INTERNAL
