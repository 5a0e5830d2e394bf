"""Benchmark: ``gatekeeper audit`` vs pip-audit on a 300-pin requirements file.

    python bench/audit/run.py SNAPSHOT.zip [--runs 10] [--cold-runs 5] [--out DIR]
    (or GATEKEEPER_BENCH_SNAPSHOT=SNAPSHOT.zip python bench/audit/run.py)

1. syncs a fresh database from the snapshot with ``gatekeeper advisories sync --from``;
2. writes a 300-pin requirements file from the same snapshot (make_requirements.py);
3. serves the snapshot with the local OSV API server (osv_server.py; it turns Nagle's algorithm
   off, so pip-audit's 300 queries are not stalled by delayed ACKs: the anchor at its best);
4. runs both tools in the same hyperfine run, warm (after warm-up runs) and cold (the page
   cache dropped before every run, when /proc/sys/vm/drop_caches is writable);
5. runs both once more with JSON output and checks the findings are identical (compare.py).

The anchor is ``pip-audit --no-deps --disable-pip -r FILE -s osv --osv-url URL``. Both tools
print their default text report; both exit 1 (vulnerabilities found), which hyperfine ignores.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent
DROP = Path("/proc/sys/vm/drop_caches")


def tool(name: str) -> str:
    candidate = BIN / name
    found = str(candidate) if candidate.exists() else shutil.which(name)
    if not found:
        raise SystemExit(f"{name} not found next to {sys.executable} or on PATH")
    return found


Medians = dict[str, tuple[float, float]]


def hyperfine(commands: dict[str, str], export: Path, runs: int, cold: bool) -> Medians:
    """Run hyperfine; per command: (median wall time, mean user+system CPU time)."""
    argv = [tool("hyperfine"), "-i", "--style", "basic", "--runs", str(runs)]
    argv += ["--export-json", str(export)]
    if cold:
        argv += ["--prepare", f"sync; echo 3 > {DROP}"]
    else:
        argv += ["--warmup", "2"]
    for name, command in commands.items():
        argv += ["-n", name, command]
    subprocess.run(argv, check=True)
    results = json.loads(export.read_text("utf-8"))["results"]
    return {r["command"]: (float(r["median"]), float(r["user"] + r["system"])) for r in results}


def start_server(snapshot: Path) -> tuple[subprocess.Popen[str], str]:
    script = HERE / "osv_server.py"
    proc = subprocess.Popen(
        [sys.executable, str(script), str(snapshot), "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline().strip()
    if not line.startswith("listening on "):
        proc.kill()
        raise SystemExit(f"OSV server did not start: {line!r}")
    return proc, line.removeprefix("listening on ")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("snapshot", nargs="?", default=os.environ.get("GATEKEEPER_BENCH_SNAPSHOT"))
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--cold-runs", type=int, default=5)
    parser.add_argument("--count", type=int, default=300)
    parser.add_argument("--out", type=Path, default=Path("bench/results/audit"))
    args = parser.parse_args()
    if not args.snapshot:
        parser.error("give the OSV snapshot zip (or set GATEKEEPER_BENCH_SNAPSHOT)")
    snapshot = Path(args.snapshot).resolve()
    args.out.mkdir(parents=True, exist_ok=True)
    out = args.out.resolve()

    work = Path(tempfile.mkdtemp(prefix="gk-bench-audit-"))
    db, root = work / "db", work / "root"
    req = root / "requirements.txt"  # inside the audited repository: outside it is refused
    root.mkdir()
    env = {**os.environ, "GATEKEEPER_ADVISORY_DB": str(db)}
    gatekeeper = tool("gatekeeper")
    subprocess.run([gatekeeper, "advisories", "sync", "--from", str(snapshot)], env=env, check=True)
    subprocess.run(
        [sys.executable, str(HERE / "make_requirements.py"), str(snapshot), str(db), str(req)]
        + ["--count", str(args.count)],
        check=True,
    )
    server, url = start_server(snapshot)
    try:
        ours = f"{gatekeeper} audit {root} -r {req} --db {db}"
        anchor = (
            f"{tool('pip-audit')} --no-deps --disable-pip -r {req} -s osv "
            f"--osv-url {url}/v1/query --progress-spinner off"
        )
        commands = {"gatekeeper": ours, "pip-audit": anchor}
        os.chdir(root)
        warm = hyperfine(commands, out / "warm.json", args.runs, cold=False)
        cold = None
        if os.access(DROP, os.W_OK):
            cold = hyperfine(commands, out / "cold.json", args.cold_runs, cold=True)
        else:
            print(f"cold runs skipped: {DROP} is not writable (run as root)")

        with (out / "gatekeeper.json").open("w") as handle:
            subprocess.run(
                f"{ours} --format json".split(), stdout=handle, stderr=subprocess.DEVNULL
            )
        subprocess.run(
            f"{anchor} -f json -o {out / 'pip-audit.json'}".split(), stderr=subprocess.DEVNULL
        )
        same = subprocess.run(
            [sys.executable, str(HERE / "compare.py"), str(out / "gatekeeper.json")]
            + [str(out / "pip-audit.json")]
        ).returncode
    finally:
        server.terminate()
        server.wait()
        shutil.rmtree(work, ignore_errors=True)

    print(f"\n{args.count} pins                      gatekeeper   pip-audit   ratio")
    for label, medians in (("warm", warm), ("cold", cold)):
        if medians is not None:
            (g, g_cpu), (p, p_cpu) = medians["gatekeeper"], medians["pip-audit"]
            print(f"  {label + ' median wall (s)':<27} {g:10.3f} {p:11.3f} {p / g:6.1f}x")
            ratio = p_cpu / g_cpu
            print(f"  {label + ' mean CPU (s)':<27} {g_cpu:10.3f} {p_cpu:11.3f} {ratio:6.1f}x")
    return same


if __name__ == "__main__":
    raise SystemExit(main())
