"""``gatekeeper config check``: validate a service's settings without starting it.

Exit codes, as ``gatekeeper check --gate config`` judges the same findings (the repository's
policy: thresholds, waivers): 0 passed; 1 a setting is missing or invalid, or a config file holds
a secret; 2 the service directory is not a service, or an unknown environment; 3 the secrets
backend is unreachable. Secret values are never printed: only where each value came from.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Sequence
from pathlib import Path

from gatekeeper.cli import COMMANDS
from gatekeeper.cli.common import add_policy_argument, load, resolve_root, say


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
        "Exit codes as `gatekeeper check` judges the same findings: 0 valid, 1 a setting is "
        "invalid or a config file holds a secret, 2 not a service or bad input, 3 secrets "
        "backend down.",
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
    check.add_argument(
        "--repo",
        type=Path,
        default=Path("."),
        metavar="PATH",
        help="repository whose policy judges the findings (default: .)",
    )
    add_policy_argument(check)
    check.set_defaults(
        handler=lambda a: check_config(
            a.service, repo=a.repo, policy=a.policy, environments=a.envs, files_only=a.files_only
        )
    )


def check_config(
    service_dir: Path,
    *,
    repo: Path = Path("."),
    policy: Path | None = None,
    environments: Sequence[str] = (),
    files_only: bool = False,
) -> int:
    """Print each environment's result; the exit code is the runner's judgement of the config
    gate's findings for this service, so it agrees with ``gatekeeper check``."""
    from gatekeeper import runner
    from gatekeeper.gates.config import ConfigGate, service_findings
    from gatekeeper.model import GateResult
    from gatekeeper.service.check import check_service
    from gatekeeper.service.config import usage
    from gatekeeper.service.discover import load_service

    root = resolve_root(repo)
    loaded = load(policy, root, os.environ).policy
    service = load_service(service_dir, root)
    environ = {} if files_only else dict(os.environ)
    check = check_service(service, environments, environ=environ, files_only=files_only)
    for report in check.reports:
        env = report.environment
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
        for note in report.notes:
            print(f"  note: {note}")
    for hit in check.secrets:
        where = f"{hit.path}:{hit.line}" if hit.line else str(hit.path)
        say(f"{service.name}: {where}: secret {hit.setting!r} written in a config file")
    result = GateResult.ok(
        service_findings(
            service.name,
            service.directory,
            [(r.environment, problem) for r in check.reports for problem in r.problems],
            check.secrets,
            root,
        ),
        services=1,
        environments=len(check.reports),
    )
    reports = runner.judge_alone(ConfigGate.name, result, loaded)
    for judged in (f for r in reports for f in r.findings):
        if not judged.blocking:
            why = f"waived ({judged.waived_by})" if judged.waived_by else "below the threshold"
            say(f"not blocking, {why}: {judged.finding.message}")
    return runner.exit_code(reports)
