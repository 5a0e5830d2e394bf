"""``gatekeeper advisories sync|status``: keep the local OSV advisory database current."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from pathlib import Path
from typing import Any

from gatekeeper.cli import COMMANDS

#: Warnings printed by ``sync`` unless ``--verbose`` asks for all of them.
SHOWN_WARNINGS = 10


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser(
        "advisories",
        help=COMMANDS["advisories"],
        description="The dependency audit reads a local copy of the OSV advisories for PyPI. "
        "`sync` fetches and indexes it; `status` shows what is stored. Database location: "
        "--db, else $GATEKEEPER_ADVISORY_DB, else the user cache directory.",
    )
    commands = parser.add_subparsers(dest="advisories_command", metavar="COMMAND", required=True)

    sync = commands.add_parser(
        "sync",
        help="fetch advisories and rebuild the database",
        description="Fetch OSV advisories and atomically replace the local database: a failed "
        "or partial sync keeps the previous one. Exit 0 synced, 2 bad source data, "
        "3 source unreachable.",
    )
    sync.add_argument(
        "--from",
        dest="source",
        default=None,
        metavar="URL|FILE|DIR",
        help="osv.dev's PyPI export (default, env: GATEKEEPER_ADVISORY_SOURCE), a mirror URL, "
        "a local zip of OSV JSON, or a directory of OSV JSON/YAML files",
    )
    _add_db(sync)
    sync.add_argument(
        "-v", "--verbose", action="store_true", help="print every warning, not the first ten"
    )
    sync.set_defaults(handler=lambda a: run_sync(a.source, a.db, verbose=a.verbose))

    status = commands.add_parser(
        "status",
        help="show the database's source, age and counts",
        description="Show the source, sha256, age and counts of the local database. "
        "Exit 0, or 2 when there is no database.",
    )
    _add_db(status)
    status.add_argument("--json", action="store_true", help="print the status as JSON")
    status.set_defaults(handler=lambda a: run_status(a.db, as_json=a.json))


def _add_db(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--db",
        type=Path,
        default=None,
        metavar="PATH",
        help="database directory (env: GATEKEEPER_ADVISORY_DB; default: user cache directory)",
    )


def run_sync(source: str | None, db: Path | None, *, verbose: bool = False) -> int:
    import os

    from gatekeeper.advisories.sync import sync

    result = sync(source or os.environ.get("GATEKEEPER_ADVISORY_SOURCE") or None, db)
    status = result.status
    # Skipped entries matter more than ignored legacy versions: list them first.
    ordered = sorted(result.warnings, key=lambda w: not w.startswith("skipped"))
    shown = ordered if verbose else ordered[:SHOWN_WARNINGS]
    for warning in shown:
        print(f"gatekeeper: warning: {warning}", file=sys.stderr)
    if len(shown) < len(result.warnings):
        print(
            f"gatekeeper: ... and {len(result.warnings) - len(shown)} more warnings "
            "(--verbose shows them all)",
            file=sys.stderr,
        )
    print(
        f"synced {status.advisories} advisories for {status.packages} packages "
        f"({status.skipped} skipped, {status.withdrawn} withdrawn, {status.warnings} warnings) "
        f"from {status.source} into {result.path} in {result.seconds:.2f}s; "
        f"data as of {status.dated.isoformat()}"
    )
    return 0


def _status_dict(status: Any, now: dt.datetime) -> dict[str, Any]:
    return {
        "path": status.path,
        "source": status.source,
        "sha256": status.sha256,
        "data_date": status.dated.isoformat(),
        "fetched_at": status.fetched_at.isoformat(),
        "age_days": round(status.age_days(now), 3),
        "in_future": status.in_future(now),
        "advisories": status.advisories,
        "packages": status.packages,
        "skipped": status.skipped,
        "withdrawn": status.withdrawn,
        "warnings": status.warnings,
    }


def run_status(db: Path | None, *, as_json: bool = False) -> int:
    from gatekeeper.advisories import open_db

    with open_db(db) as opened:
        info = _status_dict(opened.status, dt.datetime.now(dt.UTC))
    if as_json:
        print(json.dumps(info, indent=2))
        return 0
    print(f"database:    {info['path']}")
    print(f"source:      {info['source']}")
    print(f"sha256:      {info['sha256']}")
    future = " - IN THE FUTURE: a wrong clock or forged data" if info["in_future"] else ""
    print(f"data as of:  {info['data_date']} ({info['age_days']:.1f} days old){future}")
    print(f"synced at:   {info['fetched_at']}")
    print(f"advisories:  {info['advisories']}")
    print(f"packages:    {info['packages']}")
    print(
        f"skipped:     {info['skipped']} invalid, {info['withdrawn']} withdrawn, "
        f"{info['warnings']} warnings"
    )
    return 0
