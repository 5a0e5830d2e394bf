"""``audit --fix --apply`` never damages data: real files, real symlinks, the real console script.

It rewrites only regular files inside the repository, writes through a symlink inside it (the
link stays), keeps line endings, and a file or directory it cannot write is exit 2 naming it.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import run_cli

pytestmark = pytest.mark.slow  # the console script in a subprocess

PIN = "requests==2.19.0\n"


def _fix(
    root: Path, db: Path, *args: str, honour_permissions: bool = False
) -> tuple[int, str, str]:
    proc = run_cli(
        "audit", str(root), "--db", str(db), "--fix", *args, honour_permissions=honour_permissions
    )
    return proc.returncode, proc.stdout, proc.stderr


def test_an_include_outside_the_repository_is_refused(tmp_path: Path, db: Path) -> None:
    root = tmp_path / "repo"
    root.mkdir()
    outside = tmp_path / "x.txt"
    outside.write_text(PIN)
    (root / "requirements.txt").write_text("-r ../x.txt\nclick==8.0\n")
    for args in ((), ("--apply",)):
        code, out, err = _fix(root, db, *args)
        assert code == 2, err
        assert "'../x.txt' is outside the repository" in err
        assert out == ""
    assert outside.read_text() == PIN


def test_a_symlink_leading_outside_is_refused(tmp_path: Path, db: Path) -> None:
    root = tmp_path / "repo"
    root.mkdir()
    outside = tmp_path / "shared-requirements.txt"
    outside.write_text(PIN)
    (root / "requirements.txt").symlink_to(outside)
    code, _, err = _fix(root, db, "--apply")
    assert code == 2 and "'requirements.txt' is outside the repository" in err
    assert outside.read_text() == PIN
    assert (root / "requirements.txt").is_symlink()


def test_a_symlink_inside_is_written_through_and_kept(tmp_path: Path, db: Path) -> None:
    root = tmp_path / "repo"
    (root / "reqs").mkdir(parents=True)
    (root / "reqs" / "base.txt").write_text(PIN)
    (root / "requirements.txt").symlink_to("reqs/base.txt")
    code, _, err = _fix(root, db, "--apply")
    assert code == 0, err
    assert (root / "requirements.txt").is_symlink()
    assert (root / "reqs" / "base.txt").read_text() == "requests==2.20.0\n"


def test_crlf_stays_crlf_and_the_diff_shows_it(tmp_path: Path, db: Path) -> None:
    root = tmp_path / "repo"
    root.mkdir()
    req = root / "requirements.txt"
    req.write_bytes(b"click==8.0\r\nrequests==2.19.0\r\n# end\r\n")
    dry = subprocess.run(  # bytes: text mode would turn the diff's CRLF into LF
        [sys.executable, "-m", "gatekeeper", "audit", str(root), "--db", str(db), "--fix"],
        capture_output=True,
        check=False,
    )
    assert dry.returncode == 0, dry.stderr
    assert b"-requests==2.19.0\r\n+requests==2.20.0\r\n" in dry.stdout  # what --apply writes
    code, _, err = _fix(root, db, "--apply")
    assert code == 0, err
    assert req.read_bytes() == b"click==8.0\r\nrequests==2.20.0\r\n# end\r\n"


def test_a_read_only_file_or_directory_is_exit_2_naming_it(tmp_path: Path, db: Path) -> None:
    root = tmp_path / "repo"
    root.mkdir()
    req = root / "requirements.txt"
    req.write_text(PIN)
    req.chmod(0o444)
    code, _, err = _fix(root, db, "--apply", honour_permissions=True)
    assert code == 2 and "requirements.txt: read-only file: not rewritten" in err
    assert req.read_text() == PIN
    req.chmod(0o644)
    root.chmod(0o555)
    try:
        code, _, err = _fix(root, db, "--apply", honour_permissions=True)
    finally:
        root.chmod(0o755)
    assert code == 2, err
    assert f"{req}: cannot write: Permission denied" in err
    assert "Traceback" not in err
    assert req.read_text() == PIN
    assert sorted(p.name for p in root.iterdir()) == ["requirements.txt"]  # no temporary left
