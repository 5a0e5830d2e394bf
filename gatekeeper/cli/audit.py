"""``gatekeeper audit``: the dependency audit gate alone, or ``--fix`` to raise vulnerable pins."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from gatekeeper.cli import COMMANDS
from gatekeeper.cli.common import (
    add_base_argument,
    add_output_arguments,
    add_policy_argument,
    add_repo_argument,
    load,
    resolve_root,
    run_gates,
    say,
)


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser(
        "audit",
        help=COMMANDS["audit"],
        description="Audit the repository's requirements files, pyproject.toml and lockfiles "
        "(or an installed venv) against the local OSV advisory database: exit 0 passed, "
        "1 policy failed, 2 usage/input error (no database: run `gatekeeper advisories sync`), "
        "3 backend unreachable.",
    )
    add_repo_argument(parser)
    parser.add_argument(
        "-r",
        "--requirement",
        dest="files",
        action="append",
        default=[],
        type=Path,
        metavar="FILE",
        help="audit this requirements or lock file (repeatable) instead of discovering them",
    )
    parser.add_argument(
        "--db", type=Path, default=None, metavar="PATH", help="advisory database directory"
    )
    parser.add_argument(
        "--env", type=Path, default=None, metavar="VENV", help="audit an installed virtualenv"
    )
    parser.add_argument(
        "--resolve",
        action="store_true",
        help="resolve unpinned requirements with pip (dry run, wheels only) and audit what "
        "they would install today (needs the index)",
    )
    add_base_argument(parser)
    add_policy_argument(parser)
    add_output_arguments(parser)
    parser.add_argument(
        "--fix",
        action="store_true",
        help="show the pin upgrades that clear every advisory, as a diff (a dry run)",
    )
    parser.add_argument(
        "--apply", action="store_true", help="with --fix: rewrite the requirements files"
    )
    parser.set_defaults(handler=handle)


def _relative(path: Path, root: Path) -> str:
    """A file given on the command line, relative to the root when it is inside it."""
    absolute = path.expanduser().resolve()
    try:
        return absolute.relative_to(root).as_posix()
    except ValueError:
        return str(absolute)


def overrides(args: argparse.Namespace, root: Path) -> dict[str, Any]:
    audit: dict[str, Any] = {"enabled": True}
    if args.files:
        audit["files"] = [_relative(p, root) for p in args.files]
    if args.db is not None:
        audit["db"] = str(args.db.expanduser().resolve())
    if args.env is not None:
        audit["env"] = str(args.env.expanduser().resolve())
    if args.resolve:
        audit["resolve"] = True
    return audit


def handle(args: argparse.Namespace) -> int:
    from gatekeeper.errors import UsageError

    if args.apply and not args.fix:
        raise UsageError("--apply only goes with --fix")
    root = resolve_root(args.path)
    audit = overrides(args, root)
    if args.fix:
        return fix(args, root, audit)
    return run_gates(args, ["audit"], overrides={"audit": audit})


def fix(args: argparse.Namespace, root: Path, audit: dict[str, Any]) -> int:
    from gatekeeper.deps import fix as fixer
    from gatekeeper.deps.discover import working_tree_reader
    from gatekeeper.gates.audit import dependencies, open_advisories
    from gatekeeper.policy.load import with_overrides

    policy = with_overrides(load(args, root, os.environ).policy, {"audit": audit})
    source = open_advisories(root, policy)
    try:
        deps = dependencies(root, policy)
        plan = fixer.plan(deps, source)
    finally:
        source.close()
    for skipped in plan.skipped:
        dep = skipped.dependency
        say(f"{dep.location}: {dep.raw_name} {dep.version} not rewritten: {skipped.reason}")
    changed = fixer.rewrite(plan.fixes, working_tree_reader(root))
    if not changed:
        say("no pin to rewrite")
        return 0
    if args.apply:
        fixer.apply(changed, root)
        say(f"rewrote {len(plan.fixes)} pin(s) in {len(changed)} file(s)")
        return 0
    sys.stdout.write(fixer.diff(changed))
    say(f"dry run: {len(plan.fixes)} pin(s) to raise; add --apply to rewrite the files")
    return 0
