"""``scripts/demo.sh``, the README's main command: it passes, and leaves no process behind.

The demo runs once, in a session of its own, with a marker in its environment. When it has
exited, no process may still carry the marker or belong to that session: a server left running
(as one started inside ``$(...)`` used to be, out of the cleanup trap's reach) fails the test.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
MARKER = "GATEKEEPER_DEMO_RUN"


def _carriers(marker: str, session: int) -> list[int]:
    """PIDs of live processes whose environment holds ``marker`` or that are in ``session``."""
    needle = f"{MARKER}={marker}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            environ = (entry / "environ").read_bytes()
            stat = (entry / "stat").read_text()
        except OSError:  # gone meanwhile, or not ours to read
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        state, sid = fields[0], int(fields[3])
        if state == "Z":  # exited; only its parent's wait is missing
            continue
        if needle in environ.split(b"\0") or sid == session:
            found.append(int(entry.name))
    return found


def leftovers(marker: str, session: int, grace_s: float = 2.0) -> list[int]:
    """What is still running after ``grace_s`` (a process in the middle of exiting is not)."""
    deadline = time.monotonic() + grace_s
    while (found := _carriers(marker, session)) and time.monotonic() < deadline:
        time.sleep(0.1)
    return found


def run_demo(script: Path) -> tuple[subprocess.CompletedProcess[str], list[int]]:
    marker = uuid.uuid4().hex
    env = {**os.environ, MARKER: marker, "VENV": sys.prefix}
    for name in ("GITHUB_ACTIONS", "GITHUB_STEP_SUMMARY", "GATEKEEPER_FORMAT", "GATEKEEPER_POLICY"):
        env.pop(name, None)
    proc = subprocess.Popen(
        ["bash", str(script)],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        out, _ = proc.communicate(timeout=300)
    finally:
        if proc.poll() is None:  # the demo hung
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    left = leftovers(marker, proc.pid)
    for pid in left:  # ours (they carry our marker): never leave them running
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:  # exited meanwhile
            pass
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, ""), left


@pytest.mark.slow
def test_leftovers_sees_a_process_that_carries_the_marker() -> None:
    marker = uuid.uuid4().hex
    child = subprocess.Popen(
        ["sleep", "30"], env={**os.environ, MARKER: marker}, start_new_session=True
    )
    try:
        assert leftovers(marker, session=-1, grace_s=0) == [child.pid]
        assert leftovers(uuid.uuid4().hex, session=child.pid, grace_s=0) == [child.pid]
    finally:
        child.kill()
        child.wait()
    assert leftovers(marker, session=child.pid, grace_s=0.5) == []


@pytest.mark.slow
def test_demo_passes_and_leaves_no_process_running() -> None:
    proc, left = run_demo(REPO / "scripts" / "demo.sh")
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert "Done: every step behaved as expected" in proc.stdout
    assert left == [], f"the demo left processes running: {left}"
