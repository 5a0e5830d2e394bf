"""The git pre-push hook: install it next to any hook already there, uninstall it, run it.

The hook lives where git looks for hooks (``git rev-parse --git-path hooks``, which honours
``core.hooksPath``). A hook already there is moved to ``pre-push.gatekeeper-chained`` and run
first, with git's arguments and stdin; uninstalling moves it back. The hook itself is a short
shell script calling ``gatekeeper hook run``, which reads git's pre-push lines
(``local_ref local_sha remote_ref remote_sha``) and checks the working tree in PR mode against
what the remote already has, with the verdict cache.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from gatekeeper.errors import InputError
from gatekeeper.fsutil import atomic_write, read_bounded
from gatekeeper.git import GitRepo

HOOK = "pre-push"
CHAINED = f"{HOOK}.gatekeeper-chained"
MARKER = "# gatekeeper pre-push hook, installed by `gatekeeper hook install`"
#: Skip gatekeeper's check for one push (a chained hook still runs).
SKIP_ENV = "GATEKEEPER_SKIP_HOOK"
HOOK_MODE = 0o755
#: The hook ``install`` writes (and ``scripts/pre-push``).
HOOK_SCRIPT = f"""#!/bin/sh
{MARKER}
# Checks the push in PR mode against what the remote already has, reusing the verdicts
# of gates whose inputs did not change (`gatekeeper check --cache`). A hook that was here
# before runs first ({CHAINED}).
# Skip once: {SKIP_ENV}=1 git push. Remove: gatekeeper hook uninstall
if ! command -v gatekeeper >/dev/null 2>&1; then
  echo "gatekeeper pre-push: gatekeeper is not on PATH ({SKIP_ENV}=1 skips once)" >&2
  exit 1
fi
exec gatekeeper hook run -- "$@"
"""
_SHA = re.compile(r"^(?:[0-9a-f]{40}|[0-9a-f]{64})$")
#: Checks the working tree against a base commit (None: a full run) and returns the exit code.
Check = Callable[[str | None], int]
#: Runs the chained hook with the hook's arguments and stdin and returns its exit code.
Chain = Callable[[Path, Sequence[str], bytes], int]


@dataclass(frozen=True)
class Paths:
    hook: Path
    chained: Path


def paths(git: GitRepo) -> Paths:
    hooks = git.git_path("hooks")
    return Paths(hooks / HOOK, hooks / CHAINED)


def _exists(path: Path) -> bool:
    return path.is_symlink() or path.exists()


def _ours(path: Path) -> bool:
    try:
        return MARKER.encode() in read_bounded(path)
    except OSError:  # missing, a dangling symlink, not a regular file: not ours
        return False


def install(root: Path) -> str:
    """Install the hook in the repository at ``root``; what was done, as a sentence."""
    where = paths(GitRepo(root))
    if _ours(where.hook):
        if read_bounded(where.hook) == HOOK_SCRIPT.encode():
            return f"already installed in {where.hook}; nothing changed"
        atomic_write(where.hook, HOOK_SCRIPT.encode(), HOOK_MODE)
        return f"updated {where.hook}"
    chained = ""
    if _exists(where.hook):
        if _exists(where.chained):
            raise InputError(
                f"both {HOOK} and {CHAINED} exist and neither is gatekeeper's: not touched",
                path=where.hook,
                hint=f"merge them by hand, or remove {where.chained}",
            )
        os.rename(where.hook, where.chained)
        chained = f"; the existing hook moved to {where.chained} and runs first"
    where.hook.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(where.hook, HOOK_SCRIPT.encode(), HOOK_MODE)
    return f"installed {where.hook}{chained}"


def uninstall(root: Path) -> str:
    """Remove the hook, putting back the one it chained; what was done, as a sentence."""
    where = paths(GitRepo(root))
    if not _ours(where.hook):
        if _exists(where.hook):
            raise InputError(f"{HOOK} is not gatekeeper's hook: not touched", path=where.hook)
        return f"not installed in {where.hook.parent}; nothing changed"
    if _exists(where.chained):
        os.replace(where.chained, where.hook)
        return f"removed gatekeeper's hook; restored the previous one in {where.hook}"
    where.hook.unlink()
    return f"removed {where.hook}"


def _remote_default(git: GitRepo, remote: str | None, commit: str) -> str | None:
    """For a new branch: its merge base with the remote's default branch, if known."""
    if not remote or remote.startswith("-") or "/" in remote or ":" in remote:
        return None  # a URL or path instead of a remote name: no remote-tracking refs
    return git.merge_base(commit, f"refs/remotes/{remote}/HEAD")


def bases(git: GitRepo, stdin: str, remote: str | None) -> list[str | None]:
    """The PR-mode base of each pushed ref, in order, without repeats (None: a full run).

    The remote's sha when the remote has the branch; for a new branch, its merge base with the
    remote's default branch (None when there is none); nothing for a deleted branch.
    """
    found: list[str | None] = []
    for number, line in enumerate(stdin.splitlines(), 1):
        if not line.strip():
            continue
        fields = line.split()
        if len(fields) != 4 or not (_SHA.match(fields[1]) and _SHA.match(fields[3])):
            raise InputError(
                f"line {number}: expected 'local_ref local_sha remote_ref remote_sha', "
                f"got {line[:200]!r}",
                path="pre-push stdin",
            )
        local_sha, remote_sha = fields[1], fields[3]
        if not local_sha.strip("0"):
            continue  # deleting a remote branch: nothing to check
        base = _remote_default(git, remote, local_sha) if not remote_sha.strip("0") else remote_sha
        if base not in found:
            found.append(base)
    return found


def pre_commit_bases(git: GitRepo, env: Mapping[str, str]) -> list[str | None]:
    """The base pre-commit gives a ``pre-push`` stage hook (``PRE_COMMIT_FROM_REF``)."""
    from_ref = env.get("PRE_COMMIT_FROM_REF") or None
    to_ref = env.get("PRE_COMMIT_TO_REF") or "HEAD"
    if from_ref is None or not from_ref.strip("0"):
        return [_remote_default(git, env.get("PRE_COMMIT_REMOTE_NAME"), git.resolve(to_ref))]
    return [from_ref]


def run_chained(hook: Path, args: Sequence[str], stdin: bytes) -> int:
    import subprocess  # nosec B404  # the user's own hook, as git would run it, no shell

    return subprocess.run([str(hook), *args], input=stdin, check=False).returncode  # noqa: S603


def run(
    root: Path,
    args: Sequence[str],
    stdin: bytes,
    check: Check,
    *,
    env: Mapping[str, str],
    pre_commit: bool = False,
    chain: Chain = run_chained,
) -> int:
    """What the installed hook does: the chained hook first (its failure blocks the push), then
    one check per distinct base, unless ``GATEKEEPER_SKIP_HOOK=1``. The exit code: the first
    failure's, else 0."""
    git = GitRepo(root)
    if not pre_commit:
        chained = paths(git).chained
        if _exists(chained):
            code = chain(chained, args, stdin)
            if code != 0:
                print(f"gatekeeper: the chained {CHAINED} hook failed ({code})", file=sys.stderr)
                return code
    if env.get(SKIP_ENV) == "1":
        print(f"gatekeeper: pre-push check skipped ({SKIP_ENV}=1)", file=sys.stderr)
        return 0
    if pre_commit:
        wanted = pre_commit_bases(git, env)
    else:
        remote = args[0] if args else None
        wanted = bases(git, stdin.decode(errors="replace"), remote)
    for base in wanted:
        code = check(base)
        if code != 0:
            return code
    return 0
