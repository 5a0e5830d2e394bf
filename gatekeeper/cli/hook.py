"""``gatekeeper hook``: install, uninstall and run the git pre-push hook."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from gatekeeper.cli import COMMANDS
from gatekeeper.cli.common import add_repo_argument, resolve_root, say


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser(
        "hook",
        help=COMMANDS["hook"],
        description="A git pre-push hook that checks what a push adds, in PR mode against what "
        "the remote already has, reusing unchanged gates' verdicts. It goes where git looks "
        "for hooks (core.hooksPath too) and runs a hook already there first.",
    )
    verbs = parser.add_subparsers(dest="verb", metavar="VERB", required=True)
    install_parser = verbs.add_parser("install", help="install the pre-push hook")
    add_repo_argument(install_parser)
    install_parser.set_defaults(handler=lambda a: install(a.path))
    uninstall_parser = verbs.add_parser(
        "uninstall", help="remove it, restoring the hook it chained"
    )
    add_repo_argument(uninstall_parser)
    uninstall_parser.set_defaults(handler=lambda a: uninstall(a.path))
    run_parser = verbs.add_parser(
        "run",
        help="what the hook runs (git's pre-push arguments and stdin)",
        description="Read git's pre-push lines on stdin and run `gatekeeper check --cache "
        "--base <what the remote has>` in the current repository. With --pre-commit, the base "
        "is PRE_COMMIT_FROM_REF (pre-commit's pre-push stage).",
    )
    run_parser.add_argument(
        "--pre-commit", action="store_true", help="take the base from pre-commit's variables"
    )
    run_parser.add_argument("hook_args", nargs="*", metavar="ARG", help="remote name and URL")
    run_parser.set_defaults(handler=lambda a: run(a.hook_args, pre_commit=a.pre_commit))


def install(path: Path) -> int:
    from gatekeeper.hooks import install as do_install

    say(do_install(resolve_root(path)))
    return 0


def uninstall(path: Path) -> int:
    from gatekeeper.hooks import uninstall as do_uninstall

    say(do_uninstall(resolve_root(path)))
    return 0


def run(hook_args: list[str], *, pre_commit: bool = False) -> int:
    from gatekeeper.cli.common import run_gates
    from gatekeeper.hooks import run as run_hook

    root = resolve_root(Path())
    stdin = b"" if pre_commit else sys.stdin.buffer.read()
    return run_hook(
        root,
        hook_args,
        stdin,
        lambda base: run_gates(root, [], base=base, cache=True),
        env=os.environ,
        pre_commit=pre_commit,
    )
