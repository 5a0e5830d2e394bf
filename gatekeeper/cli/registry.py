"""``gatekeeper registry``: set up (``init``), lint (``check``) and use (``pip-conf``) devpi.

Standard library only at module top; the registry code is imported inside the handlers.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from gatekeeper.cli import COMMANDS
from gatekeeper.cli.common import (
    Output,
    add_output_arguments,
    add_policy_argument,
    load,
    resolve_root,
    say,
)
from gatekeeper.errors import EXIT_PASSED


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser(
        "registry",
        help=COMMANDS["registry"],
        description="The internal devpi registry. Reads DEVPI_URL, DEVPI_USER and "
        "DEVPI_PASSWORD (or DEVPI_TOKEN, with devpi-tokens on the server). Exit codes: 0 ok, "
        "1 check found a blocking problem, 2 bad input, 3 devpi unreachable or refusing.",
    )
    commands = parser.add_subparsers(dest="registry_command", metavar="ACTION", required=True)

    def action(name: str, help_text: str) -> argparse.ArgumentParser:
        p = commands.add_parser(name, help=help_text, description=help_text)
        p.add_argument(
            "--url", default=None, metavar="URL", help="devpi's URL (default: DEVPI_URL)"
        )
        p.add_argument(
            "--org", default=None, metavar="ORG", help="organisation user (default: registry.org)"
        )
        p.add_argument(
            "--repo", type=Path, default=Path("."), metavar="PATH", help="repository (default: .)"
        )
        add_policy_argument(p)
        return p

    p = action(
        "init",
        "create the organisation user, ORG/staging (volatile) and ORG/prod (immutable); "
        "idempotent, and fixes settings that drifted",
    )
    p.add_argument(
        "--publisher",
        default=None,
        metavar="USER",
        help="the only user who may upload (default: registry.publisher, else DEVPI_USER)",
    )
    p.set_defaults(
        handler=lambda a: init(
            a.url, org=a.org, publisher=a.publisher, repo=a.repo, policy=a.policy
        )
    )

    p = action("check", "lint the server's indexes: each problem is a finding (exit 1)")
    add_output_arguments(p)
    p.set_defaults(
        handler=lambda a: check(a.url, org=a.org, repo=a.repo, policy=a.policy, outputs=a.outputs)
    )

    p = action("pip-conf", "print the pip.conf and uv.toml that install from ORG/prod only")
    p.add_argument(
        "--index", default="prod", metavar="NAME", help="index of ORG to use (default: prod)"
    )
    p.set_defaults(
        handler=lambda a: pip_conf(a.url, org=a.org, index=a.index, repo=a.repo, policy=a.policy)
    )


def init(
    url: str | None,
    *,
    org: str | None = None,
    publisher: str | None = None,
    repo: Path = Path("."),
    policy: Path | None = None,
) -> int:
    """``registry init``: create or fix the layout; says what changed, or that nothing did."""
    from gatekeeper.registry.bootstrap import ensure_layout
    from gatekeeper.registry.devpi import DevpiClient, load_settings

    loaded = load(policy, resolve_root(repo), os.environ).policy.registry
    settings = load_settings(url)
    name = org or loaded.org
    with DevpiClient(settings.url, timeout=loaded.timeout_s, setting=_setting(url)) as client:
        client.login_with(settings)
        who = publisher or loaded.publisher or client.user or ""
        layout = ensure_layout(client, loaded, org=name, publisher=who)
    for change in layout.changes:
        say(f"registry: {change}")
    if not layout.changed:
        say(f"registry: {name}/staging and {name}/prod are already as the policy wants: no change")
    return EXIT_PASSED


def check(
    url: str | None,
    *,
    org: str | None = None,
    repo: Path = Path("."),
    policy: Path | None = None,
    outputs: Sequence[Output] | None = None,
) -> int:
    """``registry check``: the findings judged by the runner and rendered by the reporters."""
    from gatekeeper import runner
    from gatekeeper.cli.common import emit, print_summary, resolve_outputs
    from gatekeeper.model import GateResult
    from gatekeeper.net.urls import redact
    from gatekeeper.registry.devpi import DevpiClient, load_settings
    from gatekeeper.registry.lint import lint

    root = resolve_root(repo)
    wanted = resolve_outputs(outputs, os.environ)
    loaded = load(policy, root, os.environ)
    settings = load_settings(url)
    timeout = loaded.policy.registry.timeout_s
    with DevpiClient(settings.url, timeout=timeout, setting=_setting(url)) as client:
        if settings.has_credentials:
            client.login_with(settings)
        indexes = client.list_indexes()
    findings = lint(indexes, loaded.policy, redact(settings.url), org=org)
    result = GateResult.ok(findings, indexes=len(indexes))
    reports = runner.judge_alone("registry", result, loaded.policy)
    report = runner.assemble(reports, root, policy_sources=loaded.sources)
    emit(report, wanted, os.environ)
    print_summary(report)
    return report.exit_code


def pip_conf(
    url: str | None,
    *,
    org: str | None = None,
    index: str = "prod",
    repo: Path = Path("."),
    policy: Path | None = None,
) -> int:
    """``registry pip-conf``: both files on stdout; no request is made."""
    from gatekeeper.registry import pipconf
    from gatekeeper.registry.devpi import load_settings

    loaded = load(policy, resolve_root(repo), os.environ).policy.registry
    server = load_settings(url).url
    simple = pipconf.simple_url(server, f"{org or loaded.org}/{index}")
    sys.stdout.write(pipconf.pip_conf(simple) + "\n" + pipconf.uv_toml(simple))
    return EXIT_PASSED


def _setting(url: str | None) -> str:
    return "--url" if url else "DEVPI_URL"
