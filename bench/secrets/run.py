"""The secrets gate against ``detect-secrets scan`` on Django's tree, in one hyperfine run.

    python bench/secrets/run.py --sdist Django-5.1.4.tar.gz [--runs 1]
    (the sdist: pip download --no-deps --no-binary :all: django==5.1.4)

Unpacks the sdist into a temporary directory, makes it a git repository with one commit (both
tools scan the git-tracked files), then measures with hyperfine, in the same run:

* ``gatekeeper secrets REPO -f json=FILE`` (the gate, judged and rendered);
* ``detect-secrets scan`` in REPO (its default plugins and filters);
* warm: ``gatekeeper check --gate secrets --cache REPO`` with nothing changed since a first run
  (pre-push mode's verdict cache, in a temporary cache directory).

Prints the medians, the ratios (targets: at most 0.1 cold, 0.02 warm), and how many findings
each tool makes, with ours listed (masked) so that a person can judge them. Exit 0 when both
ratios meet their targets.
detect-secrets takes about two minutes here: keep ``--runs`` small.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import shutil
import subprocess
import sys
import tarfile
import tempfile
from collections import Counter
from pathlib import Path

TARGET = 0.1
WARM_TARGET = 0.02
BIN = Path(sys.executable).parent


def _tool(name: str) -> str:
    found = shutil.which(name, path=str(BIN)) or shutil.which(name)
    if found is None:
        sys.exit(f"bench: {name} not found")
    return found


def make_repo(sdist: Path, into: Path) -> Path:
    with tarfile.open(sdist) as archive:
        archive.extractall(into, filter="data")
    (root,) = [p for p in into.iterdir() if p.is_dir()]
    env = ["-c", "user.email=bench@example.invalid", "-c", "user.name=bench"]
    subprocess.run(["git", "-C", str(root), "init", "-q"], check=True)
    subprocess.run(["git", "-C", str(root), "add", "-A"], check=True)
    subprocess.run(["git", "-C", str(root), *env, "commit", "-qm", "sdist"], check=True)
    return root


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sdist", type=Path, required=True)
    parser.add_argument("--runs", type=int, default=1)
    args = parser.parse_args()
    if not args.sdist.is_file():
        sys.exit(f"bench: {args.sdist} not found")
    with tempfile.TemporaryDirectory(prefix="bench-secrets-") as tmp:
        work = Path(tmp)
        root = make_repo(args.sdist, work / "src")
        files = subprocess.run(
            ["git", "-C", str(root), "ls-files"], capture_output=True, text=True, check=True
        ).stdout.count("\n")
        ours_json, theirs_json, timing = work / "ours.json", work / "theirs.json", work / "t.json"
        q = shlex.quote
        ours = f"{q(_tool('gatekeeper'))} secrets {q(str(root))} -f json={q(str(ours_json))}"
        theirs = f"cd {q(str(root))} && {q(_tool('detect-secrets'))} scan > {q(str(theirs_json))}"
        warm = f"{q(_tool('gatekeeper'))} check --gate secrets --cache {q(str(root))} -f json"
        env = {**os.environ, "GATEKEEPER_CACHE_DIR": str(work / "cache")}
        subprocess.run(shlex.split(warm), env=env, capture_output=True, check=False)  # prime
        subprocess.run(
            [
                _tool("hyperfine"),
                "--runs",
                str(args.runs),
                "--ignore-failure",  # the gate exits 1 on findings
                "--export-json",
                str(timing),
                "-n",
                "gatekeeper secrets",
                ours,
                "-n",
                "detect-secrets scan",
                theirs,
                "-n",
                "gatekeeper warm",
                f"{warm} > /dev/null",
            ],
            check=True,
            env=env,
        )
        results = {r["command"]: r["median"] for r in json.loads(timing.read_text())["results"]}
        report = json.loads(ours_json.read_text())
        found = [f for g in report["gates"] for f in g["findings"]]
        theirs_count = sum(len(v) for v in json.loads(theirs_json.read_text())["results"].values())
    ours_s, theirs_s = results["gatekeeper secrets"], results["detect-secrets scan"]
    warm_s = results["gatekeeper warm"]
    ratio, warm_ratio = ours_s / theirs_s, warm_s / theirs_s
    print(f"\nDjango tree: {files} tracked files, {args.runs} run(s) each")
    print(f"gatekeeper secrets   median {ours_s:8.2f} s  {len(found)} findings")
    print(f"detect-secrets scan  median {theirs_s:8.2f} s  {theirs_count} findings")
    print(f"gatekeeper warm      median {warm_s:8.2f} s  (nothing changed, cached verdict)")
    print(f"ratio cold {ratio:.3f} (target <= {TARGET}), warm {warm_ratio:.4f} (<= {WARM_TARGET})")
    print("findings by rule:", dict(sorted(Counter(f["rule_id"] for f in found).items())))
    for f in found:
        where = f.get("location") or {}
        print(f"  {f['rule_id']} {where.get('path', '-')}:{where.get('line', '')} {f['message']}")
    return 0 if ratio <= TARGET and warm_ratio <= WARM_TARGET else 1


if __name__ == "__main__":
    raise SystemExit(main())
