"""``gatekeeper outdated``: package, current, wanted, latest and location (``npm outdated``)."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from gatekeeper.cli import COMMANDS
from gatekeeper.cli.common import add_policy_argument, add_repo_argument, load, resolve_root


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser(
        "outdated",
        help=COMMANDS["outdated"],
        description="For each dependency: the current pin, the highest version its declared "
        "specifier allows (wanted) and the latest release, from a PEP 691/503 simple index "
        "(devpi or PyPI). Exit 0; 3 when the index is unreachable.",
    )
    add_repo_argument(parser)
    parser.add_argument(
        "--index-url",
        default=None,
        metavar="URL",
        help="simple index (default: internal.index_url from the policy, else PyPI; "
        "env: GATEKEEPER_INDEX_URL)",
    )
    parser.add_argument(
        "--all", action="store_true", help="list every dependency, not only outdated ones"
    )
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    add_policy_argument(parser)
    parser.set_defaults(
        handler=lambda a: outdated(
            a.path, index_url=a.index_url, show_all=a.all, as_json=a.json, policy=a.policy
        )
    )


def _index_url(given: str | None, configured: str | None) -> str:
    from gatekeeper.deps.index import PYPI_SIMPLE

    return str(given or os.environ.get("GATEKEEPER_INDEX_URL") or configured or PYPI_SIMPLE)


def outdated(
    path: Path,
    *,
    index_url: str | None = None,
    show_all: bool = False,
    as_json: bool = False,
    policy: Path | None = None,
) -> int:
    from gatekeeper.deps.outdated import outdated_rows

    root = resolve_root(path)
    loaded = load(policy, root, os.environ).policy
    rows = outdated_rows(root, loaded, _index_url(index_url, loaded.internal.index_url))
    shown = [r for r in rows if show_all or r.outdated]
    if as_json:
        sys.stdout.write(json.dumps([r.as_dict() for r in shown], indent=2) + "\n")
        return 0
    if not shown:
        print("every dependency is up to date")
        return 0
    header = ("package", "current", "wanted", "latest", "location")
    table = [header, *(r.cells() for r in shown)]
    widths = [max(len(row[i]) for row in table) for i in range(len(header))]
    for row in table:
        print(
            "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        )
    return 0
