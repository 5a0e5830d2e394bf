"""Throughput of recipe-api with the validation middleware on vs off, same run, same payload.

    python bench/validation/run.py [--runs 5] [--duration 5] [--connections 16] [--get]

Starts both servers on loopback, then alternates wrk runs (off, on, off, on, ...) so that drift
hits both equally, and prints the median requests/s of each and the overhead of validation.
It also prints the server's CPU time per request (user + system, from /proc), which a busy
machine disturbs far less than throughput. Needs wrk (Debian package ``wrk``) and Linux.
Run from the repository root.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]


def start(mode: str) -> tuple[subprocess.Popen[str], str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, str(HERE / "serve.py"), mode],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert proc.stdout is not None
    found = re.search(r"listening on (\S+)", proc.stdout.readline())
    if found is None:
        proc.kill()
        raise SystemExit(f"server ({mode}) did not start")
    return proc, found.group(1)


TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of process ``pid`` so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def wrk(url: str, args: argparse.Namespace) -> tuple[float, int]:
    """Requests per second and number of requests of one wrk run."""
    cmd = [args.wrk, "-t1", f"-c{args.connections}", f"-d{args.duration}s", "--latency"]
    if not args.get:
        cmd += ["-s", str(HERE / "post.lua")]
    target = f"{url}/recipes/1" if args.get else f"{url}/recipes"
    out = subprocess.run([*cmd, target], capture_output=True, text=True, check=True).stdout
    if "Non-2xx" in out:
        raise SystemExit(f"errors during the run:\n{out}")
    found = re.search(r"Requests/sec:\s+([\d.]+)", out)
    count = re.search(r"(\d+) requests in", out)
    if found is None or count is None:
        raise SystemExit(f"cannot parse wrk output:\n{out}")
    return float(found.group(1)), int(count.group(1))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--duration", type=int, default=5, help="seconds per wrk run")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--get", action="store_true", help="GET /recipes/1 instead of POST")
    parser.add_argument("--wrk", default=shutil.which("wrk") or "/usr/bin/wrk")
    args = parser.parse_args()
    servers = {mode: start(mode) for mode in ("off", "on")}
    results: dict[str, list[float]] = {"off": [], "on": []}
    cpu_us: dict[str, list[float]] = {"off": [], "on": []}
    try:
        for mode in ("off", "on"):  # warm-up, not counted
            wrk(servers[mode][1], argparse.Namespace(**{**vars(args), "duration": 1}))
        for run in range(args.runs):
            for mode in ("off", "on") if run % 2 == 0 else ("on", "off"):
                proc, url = servers[mode]
                before = cpu_seconds(proc.pid)
                rate, count = wrk(url, args)
                results[mode].append(rate)
                cpu_us[mode].append((cpu_seconds(proc.pid) - before) / count * 1e6)
                print(
                    f"run {run + 1} validation {mode:3}: {rate:9.1f} req/s "
                    f"{cpu_us[mode][-1]:7.1f} us CPU/request"
                )
    finally:
        for proc, _ in servers.values():
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=20)
    off, on = statistics.median(results["off"]), statistics.median(results["on"])
    endpoint = "GET /recipes/1" if args.get else "POST /recipes"
    print(f"\n{endpoint}, {args.runs} runs x {args.duration}s, {args.connections} connections")
    print(f"median validation off (anchor): {off:9.1f} req/s")
    print(f"median validation on:           {on:9.1f} req/s")
    print(f"ratio on/off: {on / off:.3f}  overhead: {(1 - on / off) * 100:.1f}% (target <= 10%)")
    c_off, c_on = statistics.median(cpu_us["off"]), statistics.median(cpu_us["on"])
    print(f"median server CPU per request: off {c_off:.1f} us, on {c_on:.1f} us")
    print(f"ratio on/off: {c_on / c_off:.3f}  CPU overhead: {(c_on / c_off - 1) * 100:.1f}%")
    return 0


if __name__ == "__main__":
    sys.exit(main())
