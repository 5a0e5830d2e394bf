"""``gatekeeper publish``: build, vet and release an internal package to devpi.

Standard library only at module top; the registry code is imported inside the handler.
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
    say,
)
from gatekeeper.errors import UsageError


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser(
        "publish",
        help=COMMANDS["publish"],
        description="Build the package at PATH, vet the built sdist and wheel, run its own "
        "gates, compare its API with the latest release, upload it to ORG/staging, install it "
        "from there into a fresh venv, then push it to the target index with its provenance. "
        "The first failing step stops it and the target index is left untouched. Reads "
        "DEVPI_URL, DEVPI_USER and DEVPI_PASSWORD (or DEVPI_TOKEN). Exit codes: 0 published "
        "(or already published with identical files), 1 a step refused it, 2 bad input, "
        "3 devpi unreachable or refusing.",
    )
    parser.add_argument(
        "path",
        nargs="?",
        type=Path,
        default=Path("."),
        metavar="PATH",
        help="the package's directory, with its pyproject.toml (default: .)",
    )
    parser.add_argument(
        "--index",
        default=None,
        metavar="ORG/INDEX",
        help="the release index (default: ORG/prod, ORG from registry.org)",
    )
    parser.add_argument(
        "--staging",
        default=None,
        metavar="ORG/INDEX",
        help="where the candidate is uploaded first (default: ORG/staging of --index's ORG)",
    )
    parser.add_argument("--url", default=None, metavar="URL", help="devpi (default: DEVPI_URL)")
    parser.add_argument(
        "--dry-run",
        action="store_true",
        help="build, vet and check everything, print the file listing, upload nothing",
    )
    parser.add_argument(
        "--skip-gates",
        action="store_true",
        help="do not run the package's own gates (publish.gates); they are reported skipped",
    )
    add_policy_argument(parser)
    add_output_arguments(parser)
    parser.set_defaults(
        handler=lambda a: publish(
            a.path,
            index=a.index,
            staging=a.staging,
            url=a.url,
            dry_run=a.dry_run,
            skip_gates=a.skip_gates,
            policy=a.policy,
            outputs=a.outputs,
        )
    )


def _index(value: str, option: str) -> str:
    parts = value.strip("/").split("/")
    if len(parts) != 2 or not all(parts):
        raise UsageError(f"{option} {value!r} is not USER/INDEX", hint="e.g. --index corp/prod")
    return "/".join(parts)


def publish(
    path: Path,
    *,
    index: str | None = None,
    staging: str | None = None,
    url: str | None = None,
    dry_run: bool = False,
    skip_gates: bool = False,
    policy: Path | None = None,
    outputs: Sequence[Output] | None = None,
) -> int:
    """``gatekeeper publish``: the report of every step on the outputs, the outcome on stderr."""
    from gatekeeper import runner
    from gatekeeper.cli.common import emit, print_summary, resolve_outputs
    from gatekeeper.net.urls import redact
    from gatekeeper.registry.devpi import DevpiClient, load_settings
    from gatekeeper.registry.publish import Target
    from gatekeeper.registry.publish import publish as run_publish

    source = path.resolve()
    if not (source / "pyproject.toml").is_file():
        raise UsageError(f"{path} is not a package directory: it has no pyproject.toml")
    wanted = resolve_outputs(outputs, os.environ)
    loaded = load(policy, source, os.environ)
    registry = loaded.policy.registry
    prod = _index(index, "--index") if index else f"{registry.org}/prod"
    stage = _index(staging, "--staging") if staging else f"{prod.split('/')[0]}/staging"
    if stage == prod:
        raise UsageError("--staging and --index name the same index")
    settings = load_settings(url)
    target = Target(url=settings.url, staging=stage, prod=prod)
    setting = "--url" if url else "DEVPI_URL"
    with DevpiClient(settings.url, timeout=registry.timeout_s, setting=setting) as client:
        if not dry_run or settings.has_credentials:
            client.login_with(settings)
        outcome = run_publish(
            source,
            policy=loaded.policy,
            client=client,
            target=target,
            dry_run=dry_run,
            run_gates=not skip_gates,
            progress=lambda line: say(f"publish: {line}"),
        )
    if outcome.listing:
        sys.stderr.write(outcome.listing)
    report = runner.assemble(outcome.gates, source, policy_sources=loaded.sources)
    emit(report, wanted, os.environ)
    print_summary(report)
    what = f"{outcome.name} {outcome.version}" if outcome.name else source.name
    where = f"{redact(settings.url)}/{prod}"
    if outcome.state == "published":
        say(f"publish: {what} is on {where} (provenance: commit {outcome.commit})")
    elif outcome.state == "unchanged":
        say(f"publish: {what} was already on {where} with identical files: nothing changed")
    elif outcome.state == "checked":
        say(f"publish: dry run: {what} would be published to {where}; nothing was uploaded")
    else:
        say(f"publish: stopped at step {outcome.stopped_at}: {prod} is untouched")
    return report.exit_code
