"""Running commands that are not ours (a repository's tests, a package's build, a candidate's
smoke install): each in its own process group under a deadline, without gatekeeper's
credentials, its output to a file of which only the tail is read.

The group is killed as soon as the command exits and at its deadline, so a forked child left
behind cannot hold the caller, and memory stays bounded whatever the command prints.
"""

from __future__ import annotations

import os
import signal
import subprocess  # nosec B404  # argv lists, never a shell
from collections.abc import Mapping, Sequence
from pathlib import Path

#: What a command that is not ours never inherits: the ``COVERAGE_*`` variables of whatever
#: measures gatekeeper itself, and gatekeeper's own credentials (the command is a repository's
#: code, a pull request's in CI, and must not be handed the tokens gatekeeper works with).
STRIPPED_ENV = (
    "COVERAGE_PROCESS_START",
    "COVERAGE_PROCESS_CONFIG",
    "COVERAGE_FILE",
    "COVERAGE_RCFILE",
    "GITHUB_TOKEN",
    "GH_TOKEN",
    "ACTIONS_RUNTIME_TOKEN",
    "ACTIONS_ID_TOKEN_REQUEST_TOKEN",
    "ACTIONS_ID_TOKEN_REQUEST_URL",
    "VAULT_TOKEN",
    "VAULT_SECRET_ID",
    "GATEKEEPER_CA_PASSPHRASE",
    "GATEKEEPER_GITHUB_APP_KEY_FILE",
    "DEVPI_PASSWORD",
    "DEVPI_TOKEN",
)
#: Lines of a command's output kept for a report, and the bytes read to find them.
TAIL_LINES = 10
_TAIL_BYTES = 64 * 1024


def clean_env() -> dict[str, str]:
    """This process's environment without :data:`STRIPPED_ENV`."""
    return {k: v for k, v in os.environ.items() if k not in STRIPPED_ENV}


def kill_group(pgid: int) -> None:
    try:
        os.killpg(pgid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):  # the group is already gone
        pass


def output_tail(path: Path, count: int = TAIL_LINES) -> tuple[str, ...]:
    """The last ``count`` lines of a file, reading at most its last 64 KiB."""
    with path.open("rb") as handle:
        size = handle.seek(0, os.SEEK_END)
        handle.seek(max(0, size - _TAIL_BYTES))
        data = handle.read()
    return tuple(data.decode("utf-8", "replace").rstrip().splitlines()[-count:])


def run_in_group(
    argv: Sequence[str],
    *,
    cwd: Path,
    log: Path,
    timeout_s: float,
    env: Mapping[str, str] | None = None,
) -> int | None:
    """Run ``argv`` in ``cwd`` in a new session, stdout and stderr to ``log``, stdin closed;
    its exit code, or None when it did not finish within ``timeout_s``. The whole process
    group is killed either way. ``env`` defaults to :func:`clean_env`."""
    with log.open("wb") as out:
        proc = subprocess.Popen(  # noqa: S603  # nosec B603  # an argv list, no shell
            list(argv),
            cwd=cwd,
            env=dict(env) if env is not None else clean_env(),
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            return proc.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            return None
        finally:
            kill_group(proc.pid)
            proc.wait()
