"""The real console script (``python -m gatekeeper``) in subprocesses: exit codes, PR mode
against a real git repository, ``--fix``."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import commit_all, git, init_repo, run_cli
from tests.no_pydantic import run_main
from tests.servers import bin_path

pytestmark = pytest.mark.slow  # every test here starts a subprocess or a server


def findings(stdout: str) -> list[dict[str, Any]]:
    report = json.loads(stdout)
    return [f for gate in report["gates"] for f in gate["findings"]]


def audit(root: Path, db: Path, *args: str) -> tuple[int, list[dict[str, Any]], str]:
    proc = run_cli("audit", str(root), "--db", str(db), "--format", "json", *args)
    return proc.returncode, findings(proc.stdout) if proc.stdout else [], proc.stderr


def test_exit_codes(tmp_path: Path, db: Path) -> None:
    root = tmp_path / "repo"
    root.mkdir()
    (root / "requirements.txt").write_text("requests==2.19.0\n", "utf-8")
    code, found, _ = audit(root, db)
    assert code == 1
    assert [(f["rule_id"], f["data"]["package"], f["blocking"]) for f in found] == [
        ("GK-AUD-001", "requests", True)
    ]
    assert found[0]["data"]["fix_version"] == "2.20.0"
    (root / "requirements.txt").write_text("requests==2.20.0\n", "utf-8")
    assert audit(root, db)[0] == 0
    missing = run_cli("audit", str(root), "--db", str(tmp_path / "nodb"))
    assert missing.returncode == 2
    assert "gatekeeper advisories sync" in missing.stdout + missing.stderr
    (root / "requirements.txt").write_text("requests==\n", "utf-8")
    code, _, _ = audit(root, db)
    assert code == 2


def test_requirement_files_from_the_command_line(tmp_path: Path, db: Path) -> None:
    root = tmp_path / "repo"
    root.mkdir()
    (root / "requirements.txt").write_text("requests==2.19.0\n", "utf-8")
    (root / "other.txt").write_text("click==8.0\n", "utf-8")
    outside = tmp_path / "outside.txt"
    outside.write_text("PyYAML==5.3.1\n", "utf-8")
    code, found, _ = audit(root, db, "-r", str(root / "other.txt"))
    assert code == 0 and found == []
    (root / "prod.txt").write_text("PyYAML==5.3.1\n", "utf-8")
    code, found, _ = audit(root, db, "--requirement", str(root / "prod.txt"))
    assert code == 1
    assert {f["location"]["path"] for f in found} == {"prod.txt"}
    # A file outside the repository is refused (exit 2), its content never shown.
    proc = run_cli("audit", str(root), "--db", str(db), "-r", str(outside))
    assert proc.returncode == 2
    out = proc.stdout + proc.stderr
    assert "outside the repository" in out and "PyYAML" not in out


def test_env_option(tmp_path: Path, db: Path) -> None:
    proc = run_cli("audit", str(tmp_path), "--db", str(db), "--env", str(tmp_path))
    assert proc.returncode == 2 and "no site-packages" in proc.stdout + proc.stderr


def test_pr_mode_against_a_real_git_repository(tmp_path: Path, db: Path) -> None:
    root = init_repo(tmp_path / "repo")
    (root / "requirements.txt").write_text("PyYAML==5.1\nclick==8.0\n", "utf-8")
    commit_all(root, "main: a vulnerable PyYAML")
    git(root, "checkout", "-q", "-b", "feature")
    # Upgrading PyYAML to a version still vulnerable to one of its advisories is not new; a newly
    # vulnerable requests pin is.
    (root / "requirements.txt").write_text("PyYAML==5.3.1\nclick==8.0\nrequests==2.19.0\n", "utf-8")
    commit_all(root, "feature: add requests")

    code, found, stderr = audit(root, db, "--base", "main")
    assert code == 1, stderr
    status = {f["data"]["package"]: (f["blocking"], f.get("pre_existing", False)) for f in found}
    assert status == {"pyyaml": (False, True), "requests": (True, False)}

    code, found, _ = audit(root, db)  # the scheduled full run fails on both
    assert code == 1
    assert {f["data"]["package"] for f in found if f["blocking"]} == {"pyyaml", "requests"}

    # Without the new pin the PR passes: only pre-existing findings remain.
    (root / "requirements.txt").write_text("PyYAML==5.3.1\nclick==8.0\n", "utf-8")
    assert audit(root, db, "--base", "main")[0] == 0
    # Moving the pin to a dev file changes its scope; dev is not failing by default.
    (root / "requirements.txt").write_text("click==8.0\n-r requirements-dev.txt\n", "utf-8")
    (root / "requirements-dev.txt").write_text("PyYAML==5.3.1\n", "utf-8")
    assert audit(root, db, "--base", "main")[0] == 0
    # An unknown base ref is a usage error.
    assert audit(root, db, "--base", "no-such-branch")[0] == 2


def test_pr_mode_with_an_unparsable_base(tmp_path: Path, db: Path) -> None:
    root = init_repo(tmp_path / "repo")
    (root / "requirements.txt").write_text("PyYAML==\n", "utf-8")
    commit_all(root, "main: broken")
    (root / "requirements.txt").write_text("PyYAML==5.3.1\n", "utf-8")
    code, found, _ = audit(root, db, "--base", "main")
    assert code == 1 and not found[0].get("pre_existing")


def test_pr_mode_with_a_file_new_on_the_branch(tmp_path: Path, db: Path) -> None:
    root = init_repo(tmp_path / "repo")
    (root / "README").write_text("x\n", "utf-8")
    commit_all(root, "main: nothing")
    (root / "requirements.txt").write_text("PyYAML==5.3.1\n", "utf-8")
    code, found, _ = audit(root, db, "--base", "main")
    assert code == 1 and found[0]["blocking"]


def test_fix_dry_run_and_apply(tmp_path: Path, db: Path) -> None:
    root = tmp_path / "repo"
    root.mkdir()
    req = root / "requirements.txt"
    text = (
        "PyYAML == 5.1  # pinned \\\n"
        "    ; python_version >= '3'\n"
        "requests==2.19.0\n"
        "click==8.0\n"
        "urllib3==1.24.1 --hash=sha256:abc\n"
        "ecdsa==0.18.0\n"
        "-r requirements-dev.txt\n"
    )
    req.write_text(text, "utf-8")
    req.chmod(0o640)
    (root / "requirements-dev.txt").write_text("jinja2==3.1.2 \\\n  ; os_name != 'x'\n", "utf-8")
    (root / "uv.lock").write_text(
        'version = 1\n[[package]]\nname = "requests"\nversion = "2.19.0"\n', "utf-8"
    )
    dry = run_cli("audit", str(root), "--db", str(db), "--fix")
    assert dry.returncode == 0, dry.stderr
    assert "-PyYAML == 5.1  # pinned \\\n+PyYAML == 5.4  # pinned \\\n" in dry.stdout
    assert "+requests==2.20.0\n" in dry.stdout
    assert "+jinja2==3.1.3 \\\n" in dry.stdout
    assert "--- a/requirements.txt" in dry.stdout and "+++ b/requirements-dev.txt" in dry.stdout
    assert "urllib3 1.24.1 not rewritten: pinned with --hash" in dry.stderr
    assert "ecdsa 0.18.0 not rewritten: no fixed version is known" in dry.stderr
    assert "uv.lock entry: regenerate the lock with 2.20.0" in dry.stderr
    assert req.read_text("utf-8") == text  # a dry run writes nothing

    applied = run_cli("audit", str(root), "--db", str(db), "--fix", "--apply")
    assert applied.returncode == 0 and applied.stdout == ""
    assert "rewrote 3 pin(s) in 2 file(s)" in applied.stderr
    assert req.read_text("utf-8").splitlines()[:4] == [
        "PyYAML == 5.4  # pinned \\",
        "    ; python_version >= '3'",
        "requests==2.20.0",
        "click==8.0",
    ]
    assert req.stat().st_mode & 0o777 == 0o640
    assert sorted(p.name for p in root.iterdir()) == [
        "requirements-dev.txt",
        "requirements.txt",
        "uv.lock",
    ]
    (root / "uv.lock").unlink()
    again = run_cli("audit", str(root), "--db", str(db), "--fix")
    assert again.returncode == 0 and "no pin to rewrite" in again.stderr


def test_apply_needs_fix(tmp_path: Path, db: Path) -> None:
    proc = run_cli("audit", str(tmp_path), "--db", str(db), "--apply")
    assert proc.returncode == 2 and "--apply only goes with --fix" in proc.stderr


def test_database_from_the_environment(tmp_path: Path, db: Path) -> None:
    (tmp_path / "requirements.txt").write_text("requests==2.19.0\n", "utf-8")
    proc = run_cli("audit", str(tmp_path), env={"GATEKEEPER_ADVISORY_DB": str(db)})
    assert proc.returncode == 1, proc.stderr
    assert "GK-AUD-001" in proc.stdout


def test_installed_console_script(tmp_path: Path, db: Path) -> None:
    (tmp_path / "requirements.txt").write_text("PyYAML==5.3.1\n", "utf-8")
    script = bin_path("gatekeeper")
    failed = subprocess.run(
        [script, "audit", str(tmp_path), "--db", str(db)], capture_output=True, text=True
    )
    assert failed.returncode == 1 and "GK-AUD-001" in failed.stdout
    (tmp_path / "requirements.txt").write_text("PyYAML==5.4\n", "utf-8")
    passed = subprocess.run(
        [script, "audit", str(tmp_path), "--db", str(db)], capture_output=True, text=True
    )
    assert passed.returncode == 0, passed.stderr
    missing = subprocess.run([script, "audit", str(tmp_path), "--db", str(tmp_path / "none")])
    assert missing.returncode == 2


def test_policy_and_overrides_keep_pydantic_out_of_audit(tmp_path: Path, db: Path) -> None:
    root = tmp_path / "repo"
    root.mkdir()
    (root / "requirements.txt").write_text("requests==2.20.0\n", "utf-8")
    args = ("audit", str(root), "-r", str(root / "requirements.txt"), "--db", str(db))
    assert run_main(*args) == (0, False)  # the policy and the overrides are validated without it
