"""Startup time: gatekeeper against pip-audit and bandit, in the same hyperfine run.

    python bench/startup/run.py [--runs 20] [--warmup 3] [--bin-dir DIR]

Measures ``gatekeeper --version``, ``gatekeeper check --help``, ``gatekeeper check REPO --gate
config`` (this repository: the policy load and the config gate, which imports each service's
settings in a child process), ``pip-audit --version`` and ``bandit --version`` (console scripts
from --bin-dir, default: next to this interpreter, else PATH) with hyperfine (no shell, warmup,
>= 10 runs), then prints each median and its ratio to pip-audit's and bandit's. Then
``python -X importtime -m gatekeeper check --help`` must import nothing heavy: the script lists
any heavy package it finds. Exit 0 when ``gatekeeper --version`` takes at most 0.25x pip-audit's
median, both gatekeeper medians are within the 0.25 s budget and nothing heavy is imported, 1
otherwise.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

BUDGET_S = 0.25
#: ``gatekeeper --version`` at most this fraction of ``pip-audit --version``, in the same run.
RATIO_BUDGET = 0.25
REPO = Path(__file__).resolve().parents[2]
HEAVY = (
    "pydantic",
    "pydantic_settings",
    "rich",
    "httpx",
    "hvac",
    "cryptography",
    "pip_audit",
    "cvss",
    "yaml",
    "coverage",
    "fastapi",
    "uvicorn",
    "bandit",
    "packaging",
    "github3",
    "requests",
)


def find(name: str, bin_dir: Path | None) -> str:
    for directory in (bin_dir, Path(sys.executable).parent):
        if directory is not None and (directory / name).is_file():
            return str(directory / name)
    found = shutil.which(name)
    if found is None:
        sys.exit(f"startup bench: {name} not found (install it or pass --bin-dir)")
    return found


def hyperfine(
    commands: dict[str, list[str]], runs: int, warmup: int
) -> dict[str, dict[str, float]]:
    """Per command: median wall time and mean CPU time (user + system, less load-sensitive)."""
    with tempfile.TemporaryDirectory() as tmp:
        export = Path(tmp) / "hyperfine.json"
        argv = [
            "hyperfine",
            "--style",
            "basic",
            "-N",
            "--warmup",
            str(warmup),
            "--runs",
            str(runs),
            "--export-json",
            str(export),
        ]
        for name, command in commands.items():
            argv += ["--command-name", name, " ".join(command)]
        subprocess.run(argv, check=True)
        results = json.loads(export.read_text("utf-8"))["results"]
    return {
        r["command"]: {"median": statistics.median(r["times"]), "cpu": r["user"] + r["system"]}
        for r in results
    }


def heavy_imports() -> list[str]:
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "gatekeeper", "check", "--help"],
        capture_output=True,
        text=True,
        check=True,
    )
    modules = []
    for line in proc.stderr.splitlines():
        if not line.startswith("import time:") or "|" not in line:
            continue
        name = line.rsplit("|", 1)[1].strip()
        if name.split(".")[0] in HEAVY:
            modules.append(name)
    return modules


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--bin-dir", type=Path, default=None)
    args = parser.parse_args()
    if args.runs < 10:
        parser.error("--runs must be at least 10")
    gk = find("gatekeeper", args.bin_dir)
    commands = {
        "gatekeeper --version": [gk, "--version"],
        "gatekeeper check --help": [gk, "check", "--help"],
        "check --gate config": [gk, "check", str(REPO), "--gate", "config", "-f", "json=/dev/null"],
        "pip-audit --version": [find("pip-audit", args.bin_dir), "--version"],
        "bandit --version": [find("bandit", args.bin_dir), "--version"],
    }
    stats = hyperfine(commands, args.runs, args.warmup)
    medians = {name: s["median"] for name, s in stats.items()}
    anchor = medians["pip-audit --version"]
    print(f"\n{'command':<26} {'median':>9} {'vs pip-audit':>13} {'vs bandit':>10} {'cpu':>9}")
    for name, median in medians.items():
        print(
            f"{name:<26} {median * 1000:>7.1f}ms {median / anchor:>12.2f}x "
            f"{median / medians['bandit --version']:>9.2f}x {stats[name]['cpu'] * 1000:>7.1f}ms"
        )
    ratio = medians["gatekeeper --version"] / anchor
    ok = ratio <= RATIO_BUDGET
    print(f"gatekeeper --version: {ratio:.2f}x pip-audit's (budget {RATIO_BUDGET}x)")
    for name in ("gatekeeper --version", "gatekeeper check --help"):
        within = medians[name] <= BUDGET_S
        ok &= within
        print(f"{name}: {'within' if within else 'OVER'} the {BUDGET_S}s budget")
    heavy = heavy_imports()
    if heavy:
        ok = False
        print(f"heavy imports in `gatekeeper check --help`: {', '.join(heavy)}")
    else:
        print("`gatekeeper check --help` imports no heavy package (python -X importtime)")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
