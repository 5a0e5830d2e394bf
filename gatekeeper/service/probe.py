"""Check a service's config files in a child process, never in the caller's.

A service's ``settings.py`` is the repository's code. Imported in ``gatekeeper check`` itself, a
``sys.exit(0)`` there would end the run with exit 0 and no report, ``os._exit`` could not even be
caught, and whatever it prints would land in the middle of a report on stdout. So the config gate
imports it here instead: one child process for the run's services, its stdout and stderr
discarded, in a session of its own that is killed at the deadline and when the child is done.
The child writes each service's result as JSON to a file the parent names; anything else it does
(exit early, crash, hang, print) is at most an errored gate that names the file whose import did
it: the first service without a result.

Isolation protects the run, not the result: code that runs in the child could write a result of
its own, as it could change its own settings. Cost: one interpreter start and pydantic import,
about 0.15 s; the parent imports neither pydantic nor the service.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gatekeeper.errors import ConfigError, GatekeeperError, InputError

#: How long one service's settings.py may take to import and check.
IMPORT_TIMEOUT_S = 60.0
MAX_RESULT_BYTES = 16 << 20
_RESULT = "result.json"

if TYPE_CHECKING:
    from gatekeeper.service.problem import Problem


@dataclass(frozen=True)
class Found:
    """A problem with one environment's settings."""

    environment: str
    problem: Problem


@dataclass(frozen=True)
class Secret:
    path: str
    setting: str
    line: int | None


@dataclass(frozen=True)
class ServiceFiles:
    """What the config gate needs about one service, checked from its files alone."""

    name: str
    directory: str
    environments: tuple[str, ...]
    problems: tuple[Found, ...]
    secrets: tuple[Secret, ...]


def check_files(directory: Path, root: Path) -> ServiceFiles:
    """In this process: import the service, check every environment from its files."""
    from gatekeeper.service.config import check_settings, committed_secrets
    from gatekeeper.service.discover import load_service

    service = load_service(directory, root)
    problems: list[Found] = []
    for env in service.environments:
        report, _ = check_settings(
            service.model, env, environ={}, directory=service.directory, files_only=True
        )
        problems.extend(Found(env, p) for p in report.problems)
    secrets = tuple(
        Secret(str(hit.path), hit.setting, hit.line)
        for hit in committed_secrets(service.model, service.directory)
    )
    return ServiceFiles(
        service.name, str(service.directory), service.environments, tuple(problems), secrets
    )


def _encode_error(exc: Exception) -> dict[str, Any]:
    if isinstance(exc, GatekeeperError):
        kind = "input" if isinstance(exc, InputError) else "internal"
        return {"kind": kind, "message": exc.message, "path": exc.path, "line": exc.line,
                "hint": exc.hint}  # fmt: skip
    return {"kind": "internal", "message": f"{exc.__class__.__name__}: {exc}"}


def _child(root: str, scratch: str, *directories: str) -> None:
    """Check each service in turn, writing ``<index>-result.json`` as each one finishes; stop at
    the first failure (the parent reports the first one)."""
    for index, directory in enumerate(directories):
        try:
            result: dict[str, Any] = {"ok": asdict(check_files(Path(directory), Path(root)))}
        except Exception as exc:  # noqa: BLE001 - every failure goes back to the parent as a value
            result = {"error": _encode_error(exc)}
        Path(scratch, f"{index}-{_RESULT}").write_text(json.dumps(result), encoding="utf-8")
        if "error" in result:
            return


def _decode(data: Any, settings: Path) -> ServiceFiles:
    """The child's answer, checked: it was written where the repository's code ran."""
    from gatekeeper.service.problem import Problem

    try:
        if "error" in data:
            error = data["error"]
            cls = ConfigError if error["kind"] == "input" else GatekeeperError
            raise cls(
                error["message"],
                path=error.get("path"),
                line=error.get("line"),
                hint=error.get("hint"),
            )
        ok = data["ok"]
        secrets = ok["secrets"]
        return ServiceFiles(
            str(ok["name"]),
            str(ok["directory"]),
            tuple(str(e) for e in ok["environments"]),
            tuple(Found(str(f["environment"]), Problem(**f["problem"])) for f in ok["problems"]),
            tuple(Secret(str(h["path"]), str(h["setting"]), _line(h["line"])) for h in secrets),
        )
    except (KeyError, TypeError, ValueError, AttributeError):
        raise ConfigError(
            "importing it produced a malformed result; does it write to files it did not make?",
            path=settings,
        ) from None


def _line(value: object) -> int | None:
    if value is None or (isinstance(value, int) and not isinstance(value, bool)):
        return value
    raise TypeError("line")


def _exited(pid: int, deadline: float) -> bool:
    """Wait until the child has exited, without reaping it (its ID keeps naming its group)."""
    delay = 0.001
    while os.waitid(os.P_PID, pid, os.WEXITED | os.WNOWAIT | os.WNOHANG) is None:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return False
        time.sleep(min(delay, remaining))
        delay = min(delay * 2, 0.05)
    return True


def _kill_session(proc: subprocess.Popen[bytes]) -> int:
    """Kill the child's session (whatever it started too), reap the child, return its code."""
    os.killpg(proc.pid, signal.SIGKILL)  # the child is alive or a zombie: its group exists
    return proc.wait()


def _result(out: Path, settings: Path, finished: bool, code: int) -> Any:
    """The child's answer for one service; when there is none, this service is the one whose
    import ended the child (or was still running at the deadline)."""
    try:
        with out.open("rb") as handle:
            raw = handle.read(MAX_RESULT_BYTES + 1)
    except FileNotFoundError:
        if not finished:
            raise ConfigError(
                f"importing it did not finish within {IMPORT_TIMEOUT_S:g}s", path=settings
            ) from None
        raise ConfigError(
            f"importing it ended the process before gatekeeper could check it (exit code "
            f"{code}): does it call sys.exit() or os._exit(), or crash the interpreter?",
            path=settings,
            hint=f"run `gatekeeper config check --service {settings.parent}` to see its output",
        ) from None
    try:
        if len(raw) > MAX_RESULT_BYTES:
            raise ValueError("too large")
        return json.loads(raw)
    except (ValueError, RecursionError):
        return None  # _decode names it


def check_files_isolated(directories: Sequence[Path], root: Path) -> list[ServiceFiles]:
    """:func:`check_files` for each directory, in one child process, in order.

    One child imports pydantic once for every service. The first service that fails raises its
    error: a :class:`ConfigError` naming its ``settings.py`` when the child ended, hung or
    answered nonsense there (the services after it are not checked).
    """
    from gatekeeper.service.layout import SETTINGS_FILE

    with tempfile.TemporaryDirectory(prefix="gatekeeper-probe-") as scratch:
        command = [sys.executable, "-P", "-m", __name__, str(root), scratch]
        proc = subprocess.Popen(  # noqa: S603 - our own interpreter and module
            [*command, *(str(d) for d in directories)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        try:
            finished = _exited(proc.pid, time.monotonic() + IMPORT_TIMEOUT_S)
        finally:
            code = _kill_session(proc)  # the session too: whatever the imports started
        results = []
        for index, directory in enumerate(directories):
            settings = directory / SETTINGS_FILE
            answer = _result(Path(scratch, f"{index}-{_RESULT}"), settings, finished, code)
            results.append(_decode(answer, settings))
        return results


if __name__ == "__main__":
    _child(*sys.argv[1:])
