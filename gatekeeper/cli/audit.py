"""``gatekeeper audit``: the dependency audit gate alone, or ``--fix`` to raise vulnerable pins."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from gatekeeper.cli import COMMANDS
from gatekeeper.cli.common import (
    Output,
    add_base_argument,
    add_output_arguments,
    add_policy_argument,
    add_repo_argument,
    load,
    resolve_root,
    run_gates,
    say,
)
from gatekeeper.errors import EXIT_PASSED


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
    parser.set_defaults(
        handler=lambda args: audit(
            args.path,
            files=args.files,
            db=args.db,
            venv=args.env,
            resolve=args.resolve,
            base=args.base,
            policy=args.policy,
            outputs=args.outputs,
            fix=args.fix,
            apply=args.apply,
        )
    )


def _relative(path: Path, root: Path) -> str:
    """A file given on the command line, relative to the root when it is inside it."""
    absolute = path.expanduser().resolve()
    try:
        return absolute.relative_to(root).as_posix()
    except ValueError:
        return str(absolute)


def overrides(
    root: Path, files: Sequence[Path], db: Path | None, venv: Path | None, resolve: bool
) -> dict[str, Any]:
    """The ``[audit]`` keys the command line sets for this run."""
    audit: dict[str, Any] = {"enabled": True}
    if files:
        audit["files"] = [_relative(p, root) for p in files]
    if db is not None:
        audit["db"] = str(db.expanduser().resolve())
    if venv is not None:
        audit["env"] = str(venv.expanduser().resolve())
    if resolve:
        audit["resolve"] = True
    return audit


def audit(
    path: Path,
    *,
    files: Sequence[Path] = (),
    db: Path | None = None,
    venv: Path | None = None,
    resolve: bool = False,
    base: str | None = None,
    policy: Path | None = None,
    outputs: Sequence[Output] | None = None,
    fix: bool = False,
    apply: bool = False,
) -> int:
    """``gatekeeper audit``: the audit gate alone, judged by the runner; or ``--fix``."""
    from gatekeeper.errors import UsageError

    if apply and not fix:
        raise UsageError("--apply only goes with --fix")
    root = resolve_root(path)
    section = overrides(root, files, db, venv, resolve)
    if fix:
        return _fix(root, policy, section, apply=apply)
    return run_gates(
        path, ["audit"], policy=policy, outputs=outputs, base=base, overrides={"audit": section}
    )


def _fix(root: Path, policy: Path | None, section: dict[str, Any], *, apply: bool) -> int:
    """``audit --fix``: show (or with ``apply`` make) the pin upgrades; see :mod:`deps.fix`."""
    from gatekeeper.deps.fix import diff, fix_pins
    from gatekeeper.policy.load import with_overrides

    loaded = with_overrides(load(policy, root, os.environ).policy, {"audit": section})
    outcome = fix_pins(root, loaded, apply_changes=apply)
    for skipped in outcome.plan.skipped:
        dep = skipped.dependency
        say(f"{dep.location}: {dep.raw_name} {dep.version} not rewritten: {skipped.reason}")
    pins, files = len(outcome.plan.fixes), len(outcome.changes)
    if not outcome.changes:
        say("no pin to rewrite")
    elif outcome.applied:
        say(f"rewrote {pins} pin(s) in {files} file(s)")
    else:
        sys.stdout.write(diff(outcome.changes))
        say(f"dry run: {pins} pin(s) to raise; add --apply to rewrite the files")
    return EXIT_PASSED
