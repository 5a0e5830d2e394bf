"""``gatekeeper config check``: validate a service's settings without starting it.

Exit codes: 0 every environment is valid; 1 valid, but a config file holds a secret; 2 a setting
is missing or invalid (or the service directory is not a service); 3 the secrets backend is
unreachable. Secret values are never printed: only where each value came from.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from gatekeeper.cli import COMMANDS
from gatekeeper.errors import EXIT_FAILED, EXIT_INPUT, EXIT_PASSED


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser(
        "config",
        help=COMMANDS["config"],
        description="Service configuration (settings model + config/<env>.toml + secrets).",
    )
    actions = parser.add_subparsers(dest="config_command", metavar="ACTION", required=True)
    check = actions.add_parser(
        "check",
        help="validate settings for one or more environments without starting the service",
        description="Load the service's Settings for each --env from its config files, the "
        "environment (APP_*), secret files and Vault, and report every problem at once. "
        "Exit 0 valid, 1 a config file holds a secret, 2 invalid, 3 secrets backend down.",
    )
    check.add_argument(
        "--service",
        type=Path,
        default=Path("."),
        metavar="PATH",
        help="service directory holding settings.py and config/ (default: .)",
    )
    check.add_argument(
        "--env",
        dest="envs",
        action="append",
        default=[],
        metavar="NAME",
        help="environment to check (repeatable; default: every config/<env>.toml)",
    )
    check.add_argument(
        "--files-only",
        action="store_true",
        help="read only the config files, as the config gate does (secrets come at deploy time)",
    )
    check.set_defaults(handler=handle_check)


def handle_check(args: argparse.Namespace) -> int:
    from gatekeeper.errors import ConfigError
    from gatekeeper.service.config import check_settings, committed_secrets, usage
    from gatekeeper.service.discover import load_service

    service = load_service(args.service, Path.cwd())
    unknown = sorted(set(args.envs) - set(service.environments))
    if unknown:
        raise ConfigError(
            f"unknown environment(s) {', '.join(unknown)}; "
            f"{service.name} declares {', '.join(service.environments)}",
            path=args.service,
        )
    environ = {} if args.files_only else dict(os.environ)
    code = EXIT_PASSED
    for env in args.envs or service.environments:
        report, _ = check_settings(
            service.model,
            env,
            environ=environ,
            directory=service.directory,
            files_only=args.files_only,
        )
        if report.ok:
            print(f"{service.name} [{env}]: ok")
            for name, origin in sorted(report.origins.items()):
                hidden = " (secret: value hidden)" if name in report.secrets else ""
                print(f"  {name}: from {origin}{hidden}")
            if report.deferred:
                print(f"  deploy-time secrets, not checked: {', '.join(report.deferred)}")
        else:
            count = len(report.problems)
            print(f"{service.name} [{env}]: {count} problem{'s' if count != 1 else ''}")
            for problem in report.problems:
                print(f"  - {problem.render()}")
            print(f"  {usage(service.model, env, report.problems)}")
            code = EXIT_INPUT
        for note in report.notes:
            print(f"  note: {note}")
    for hit in committed_secrets(service.model, service.directory):
        where = f"{hit.path}:{hit.line}" if hit.line else str(hit.path)
        print(
            f"{service.name}: {where}: secret {hit.setting!r} written in a config file",
            file=sys.stderr,
        )
        code = max(code, EXIT_FAILED)
    return code
