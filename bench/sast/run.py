"""The sast gate against the bandit CLI on Django's source tree, in one hyperfine run.

    python bench/sast/run.py /path/to/Django-5.1.4.tar.gz [--runs 3]

Unpacks the sdist into a temporary directory and measures, with the same profile (bandit's
defaults: every test, every ``*.py`` file, bandit's excluded directories):

* **bandit**: ``bandit -r -q -f json -o FILE TREE``, bandit's own CLI;
* **cold**: ``gatekeeper check TREE --gate sast`` with its cache cleared before each run;
* **warm**: the same with nothing changed since the last run (every file's result cached).

Prints the medians and the ratios to bandit's (targets: cold at most 0.55x, warm at most
0.03x), then checks that the finding sets, (test ID, file, line), are identical. Exit 0 when
both targets are met and the sets are identical, 1 otherwise. Needs hyperfine and this
repository's virtualenv (bandit comes with gatekeeper).
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

COLD_TARGET, WARM_TARGET = 0.55, 0.03
Finding = tuple[str, str, int]


def unpack(sdist: Path, into: Path) -> Path:
    """The sdist's top directory, unpacked into ``into`` (regular files and directories only)."""
    with tarfile.open(sdist) as archive:
        archive.extractall(into, filter="data")
    (top,) = (p for p in into.iterdir() if p.is_dir())
    return top


def bandit_findings(report: Path, tree: Path) -> set[Finding]:
    results = json.loads(report.read_text(encoding="utf-8"))["results"]
    return {
        (r["test_id"], Path(r["filename"]).relative_to(tree).as_posix(), r["line_number"])
        for r in results
    }


def our_findings(report: Path) -> tuple[set[Finding], dict[str, object]]:
    (gate,) = json.loads(report.read_text(encoding="utf-8"))["gates"]
    found = {
        (f["rule_id"], f["location"]["path"], f["location"]["line"])
        for f in gate["findings"]
        if f["rule_id"].startswith("B")
    }
    return found, gate["metrics"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sdist", type=Path, help="Django's sdist (Django-5.1.4.tar.gz)")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    bindir = Path(sys.executable).parent
    with tempfile.TemporaryDirectory(prefix="bench-sast-") as tmp:
        work = Path(tmp)
        tree = unpack(args.sdist, work / "src")
        cache, theirs_out, ours_out = work / "cache", work / "bandit.json", work / "ours.json"
        files = sum(1 for _ in tree.rglob("*.py"))
        env = {**os.environ, "GATEKEEPER_CACHE_DIR": str(cache)}
        bandit = shlex.join([str(bindir / "bandit"), "-r", "-q", "-f", "json"])
        bandit += f" -o {shlex.quote(str(theirs_out))} {shlex.quote(str(tree))}"
        ours = shlex.join(
            [sys.executable, "-m", "gatekeeper", "check", str(tree), "--gate", "sast"]
            + ["--format", f"json={ours_out}"]
        )
        export = work / "hyperfine.json"
        subprocess.run(  # noqa: S603  # fixed argv
            ["hyperfine", "--runs", str(args.runs), "--ignore-failure", "--style", "basic"]
            + ["--export-json", str(export)]
            + ["--prepare", "true", "--command-name", "bandit", bandit]
            + ["--prepare", f"rm -rf {shlex.quote(str(cache))}", "--command-name", "cold", ours]
            + ["--prepare", "true", "--command-name", "warm", ours],
            check=True,
            env=env,
        )
        medians = {
            r["command"]: r["median"]
            for r in json.loads(export.read_text(encoding="utf-8"))["results"]
        }
        theirs = bandit_findings(theirs_out, tree)
        mine, metrics = our_findings(ours_out)
    cold, warm = medians["cold"] / medians["bandit"], medians["warm"] / medians["bandit"]
    print(f"\nDjango tree: {files} Python files, {os.cpu_count()} CPUs, {args.runs} runs each")
    print(f"bandit CLI  median {medians['bandit']:8.3f} s")
    print(f"sast cold   median {medians['cold']:8.3f} s  {cold:.3f}x bandit (target {COLD_TARGET})")
    print(f"sast warm   median {medians['warm']:8.3f} s  {warm:.3f}x bandit (target {WARM_TARGET})")
    print(f"warm run metrics: {json.dumps(metrics, sort_keys=True)}")
    same = mine == theirs
    print(f"findings: bandit {len(theirs)}, sast {len(mine)}: {'identical' if same else 'DIFFER'}")
    for label, extra in (("only bandit", theirs - mine), ("only sast", mine - theirs)):
        for item in sorted(extra)[:20]:
            print(f"  {label}: {item}")
    return 0 if same and cold <= COLD_TARGET and warm <= WARM_TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
