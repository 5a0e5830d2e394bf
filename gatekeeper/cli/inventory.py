"""``gatekeeper inventory --org ORG``: one row per Python service of a GitHub organisation."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from gatekeeper.cli import COMMANDS
from gatekeeper.cli.common import add_policy_argument

FORMATS = ("csv", "markdown", "json", "html")


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser(
        "inventory",
        help=COMMANDS["inventory"],
        description="List the organisation's repositories through the GitHub API and, for each "
        "Python service, its owners, Python version and generation, deployment, web framework, "
        "internal packages (and how far behind the internal index they are), whether gatekeeper "
        "runs in its CI and its open advisory findings. Reads GITHUB_TOKEN (or GitHub App "
        "credentials) and GITHUB_API_URL. Exit 0; 2 on bad input; 3 when GitHub or the index "
        "is unreachable.",
    )
    parser.add_argument("--org", required=True, metavar="ORG", help="the GitHub organisation")
    parser.add_argument("--format", choices=FORMATS, default="markdown", help="default: markdown")
    parser.add_argument(
        "-o", "--output", type=Path, default=None, metavar="FILE", help="write to FILE"
    )
    parser.add_argument(
        "--db", type=Path, default=None, metavar="DIR", help="advisory database (default: synced)"
    )
    add_policy_argument(parser)
    parser.set_defaults(
        handler=lambda a: inventory(a.org, fmt=a.format, output=a.output, db=a.db, policy=a.policy)
    )


def inventory(
    org: str,
    *,
    fmt: str = "markdown",
    output: Path | None = None,
    db: Path | None = None,
    policy: Path | None = None,
) -> int:
    from gatekeeper.cli.common import load
    from gatekeeper.fsutil import atomic_write
    from gatekeeper.github.settings import load_access
    from gatekeeper.inventory.render import render
    from gatekeeper.inventory.run import Options, build
    from gatekeeper.inventory.sources import advisory_source, index_client

    loaded = load(policy, Path.cwd(), os.environ).policy
    access = load_access("inventory")
    options = Options(prefixes=tuple(loaded.internal.prefixes), progress=sys.stderr)
    with index_client(loaded.internal.index_url) as index, advisory_source(db) as source:
        result = build(org, access, options, index=index, advisories=source)
    text = render(result, fmt)
    if output is None:
        sys.stdout.write(text)
    else:
        atomic_write(output, text.encode())
    print(f"inventory: {result.summary()}", file=sys.stderr)
    if source is None:
        print("inventory: no advisory database: open findings not counted", file=sys.stderr)
    return 0
