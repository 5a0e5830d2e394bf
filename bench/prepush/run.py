"""Pre-push mode on a sample service repository: a warm run with nothing changed, and a run after
changing one source file.

    python bench/prepush/run.py [--runs 10] [--warmup 2]

Builds, in a temporary directory, recipe-api as its own repository: ``services/recipe_api``
copied from this repository, in-process tests for it, a pyproject whose policy enables every gate
(coverage running those tests, audit against a local advisory database, config, certs, runtime,
workflows with a CI workflow), committed and pushed to a bare remote, with ``gatekeeper hook
install``. Then measures with hyperfine the command the hook runs, ``gatekeeper check --cache
--base <the remote's sha>``:

* **warm**: nothing changed since the last run (the cache holds every cacheable verdict);
* **one source file changed**: before each run ``services/recipe_api/app.py`` gets a new comment
  line, so the gates whose inputs include it run again and the others reuse their verdicts.

Prints both medians and which gates ran or were reused after a change. Exit 0 when the warm
median is at most 1.0 s, 1 otherwise. Needs hyperfine, git, and this repository's virtualenv
(fastapi, httpx, pytest, coverage, zizmor).
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

REPO = Path(__file__).resolve().parents[2]
BUDGET_S = 1.0
PYPROJECT = """\
[project]
name = "recipe-api"
version = "1.0.0"
requires-python = ">=3.11"
dependencies = []

[tool.coverage.run]
source = ["services"]
branch = true

[tool.gatekeeper.coverage]
command = ["python", "-m", "pytest", "-q", "-p", "no:cacheprovider"]
[tool.gatekeeper.audit]
application = false
[tool.gatekeeper.config]
services = ["services/recipe_api"]
"""
TESTS = """\
from __future__ import annotations

import asyncio

import httpx

from services.recipe_api.app import NewRecipe, RecipeStore, create_app
from services.recipe_api.settings import Settings

TOKEN = "t" * 32


def _call(method: str, url: str, **kwargs: object) -> httpx.Response:
    app = create_app(Settings(port=0, api_token=TOKEN))

    async def go() -> httpx.Response:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            return await client.request(method, url, **kwargs)

    return asyncio.run(go())


def test_health() -> None:
    assert _call("GET", "/health").json() == {"status": "ok"}


def test_get_and_missing() -> None:
    assert _call("GET", "/recipes/1").json()["name"] == "Shakshuka"
    assert _call("GET", "/recipes/99").status_code == 404


def test_create_needs_the_token() -> None:
    recipe = {"name": "Pancakes", "ingredients": ["flour"], "steps": ["fry"]}
    assert _call("POST", "/recipes", json=recipe).status_code == 401
    auth = {"authorization": f"Bearer {TOKEN}"}
    assert _call("POST", "/recipes", json=recipe, headers=auth).status_code == 201


def test_store_keeps_the_newest() -> None:
    store = RecipeStore(capacity=1)
    first = store.add(NewRecipe(name="a", ingredients=["i"]), "t")
    second = store.add(NewRecipe(name="b", ingredients=["i"]), "t")
    assert store.get(first.id) is None and store.get(second.id) == second
"""
WORKFLOW = """\
name: ci
on: [push]
permissions: {}
jobs:
  test:
    runs-on: ubuntu-24.04
    timeout-minutes: 10
    steps:
      - run: python -m pytest -q
"""
ADVISORY = {
    "schema_version": "1.6.0",
    "id": "PYSEC-0000-0001",
    "modified": "2026-01-01T00:00:00Z",
    "published": "2026-01-01T00:00:00Z",
    "summary": "an advisory for a package the sample does not use",
    "affected": [
        {
            "package": {"ecosystem": "PyPI", "name": "not-a-dependency"},
            "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "2"}]}],
        }
    ],
}


def run(*argv: str | Path, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(a) for a in argv], cwd=cwd, env=env, check=True, capture_output=True, text=True
    )


def build(work: Path, env: dict[str, str]) -> tuple[Path, str]:
    """The sample repository (committed and pushed) and the remote's sha of main."""
    remote, repo = work / "remote.git", work / "recipe-api"
    run("git", "init", "-q", "--bare", "-b", "main", remote, cwd=work, env=env)
    run("git", "clone", "-q", remote, repo, cwd=work, env=env)
    shutil.copytree(
        REPO / "services" / "recipe_api",
        repo / "services" / "recipe_api",
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    (repo / "services" / "__init__.py").write_text("")
    (repo / "tests").mkdir()
    (repo / "tests" / "__init__.py").write_text("")
    (repo / "tests" / "test_recipe_api.py").write_text(TESTS)
    (repo / "pyproject.toml").write_text(PYPROJECT)
    (repo / ".python-version").write_text("3.12\n")
    (repo / ".gitignore").write_text("__pycache__/\n.coverage*\n")
    (repo / "certs").mkdir()
    (repo / "certs" / ".keep").write_text("")
    (repo / ".github" / "workflows").mkdir(parents=True)
    (repo / ".github" / "workflows" / "ci.yml").write_text(WORKFLOW)
    run("git", "add", "-A", cwd=repo, env=env)
    run("git", "commit", "-q", "-m", "recipe-api", cwd=repo, env=env)
    gatekeeper = [sys.executable, "-m", "gatekeeper"]
    run(*gatekeeper, "hook", "install", cwd=repo, env=env)
    run(
        "git",
        "push",
        "-q",
        "origin",
        "HEAD:main",
        cwd=repo,
        env={**env, "GATEKEEPER_SKIP_HOOK": "1"},
    )
    sha = run("git", "rev-parse", "origin/main", cwd=repo, env=env).stdout.strip()
    return repo, sha


def hyperfine(
    name: str, command: str, cwd: Path, env: dict[str, str], runs: int, warmup: int, prepare: str
) -> float:
    out = cwd.parent / f"{name}.json"
    argv = ["hyperfine", "--style", "basic", "--runs", str(runs), "--warmup", str(warmup)]
    argv += ["--ignore-failure", "--export-json", str(out), "--command-name", name]
    if prepare:
        argv += ["--prepare", prepare]
    subprocess.run([*argv, command], cwd=cwd, env=env, check=True)
    median: float = json.loads(out.read_text())["results"][0]["median"]
    return median


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--warmup", type=int, default=2)
    args = parser.parse_args()
    if shutil.which("hyperfine") is None:
        sys.exit("prepush bench: hyperfine is not installed")
    with tempfile.TemporaryDirectory(prefix="gatekeeper-prepush-bench-") as tmp:
        work = Path(tmp)
        bindir = str(Path(sys.executable).parent)
        env = {
            **os.environ,
            "PATH": f"{bindir}{os.pathsep}{os.environ['PATH']}",
            "VIRTUAL_ENV": str(Path(sys.executable).parent.parent),
            "GATEKEEPER_CACHE_DIR": str(work / "cache"),
            "GATEKEEPER_ADVISORY_DB": str(work / "advisories"),
            "GIT_AUTHOR_NAME": "bench",
            "GIT_AUTHOR_EMAIL": "bench@example.invalid",
            "GIT_COMMITTER_NAME": "bench",
            "GIT_COMMITTER_EMAIL": "bench@example.invalid",
        }
        for key in ("GATEKEEPER_POLICY", "GATEKEEPER_FORMAT", "GITHUB_ACTIONS", "PYTHONPATH"):
            env.pop(key, None)
        osv = work / "osv"
        osv.mkdir()
        (osv / "PYSEC-0000-0001.json").write_text(json.dumps(ADVISORY))
        gatekeeper = f"{sys.executable} -m gatekeeper"
        run(*gatekeeper.split(), "advisories", "sync", "--from", osv, cwd=work, env=env)
        repo, sha = build(work, env)
        check = f"{gatekeeper} check --cache --base {sha} ."
        first = subprocess.run(check.split(), cwd=repo, env=env, capture_output=True, text=True)
        print(f"cold run (fills the cache), exit {first.returncode}:\n{first.stderr}")
        warm = hyperfine("warm, nothing changed", check, repo, env, args.runs, args.warmup, "")
        touch = (
            f"{sys.executable} -c \"import time; open('services/recipe_api/app.py', 'a')"
            f".write(f'# {{time.time_ns()}}\\\\n')\""
        )
        changed = hyperfine(
            "one source file changed", check, repo, env, max(3, args.runs // 2), 1, touch
        )
        subprocess.run(touch, shell=True, cwd=repo, env=env, check=True)  # noqa: S602  # nosec B602 - our own fixed command
        after = subprocess.run(check.split(), cwd=repo, env=env, capture_output=True, text=True)
        ran = [line for line in after.stderr.splitlines() if ": " in line and "finding" in line]
        print("after changing services/recipe_api/app.py:\n  " + "\n  ".join(ran))
    print(f"median warm (nothing changed): {warm:.3f} s (budget {BUDGET_S:.1f} s)")
    print(f"median after changing one source file: {changed:.3f} s")
    return 0 if warm <= BUDGET_S else 1


if __name__ == "__main__":
    sys.exit(main())
