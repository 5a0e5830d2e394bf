from __future__ import annotations

from pathlib import Path

import pytest

from gatekeeper.advisories import open_db, open_online
from gatekeeper.deps import fix
from gatekeeper.deps.requirements import parse_requirements
from gatekeeper.errors import LockfileError
from gatekeeper.gates.audit import freshness
from gatekeeper.policy.model import Policy


def deps(text: str):
    return parse_requirements("r.txt", {"r.txt": text}.get)


def test_plan_skips_unpinned_clean_and_non_pep440(db: Path) -> None:
    with open_db(db) as source:
        plan = fix.plan(
            deps("requests>=2\nclick==8.0\nurllib3===1.0-foo\nrequests==2.19.0\n"), source
        )
    assert [(f.dependency.name, f.version) for f in plan.fixes] == [("requests", "2.20.0")]
    assert plan.skipped == ()


def test_rewrite_cannot_find_the_pin(db: Path) -> None:
    with open_db(db) as source:
        plan = fix.plan(deps("requests==2.19.0 \\\n  ; os_name != 'x'\n"), source)
    with pytest.raises(LockfileError, match="cannot find the pin ==2.19.0") as err:
        fix.rewrite_text("requests \\\n  >=1 \\\n", plan.fixes)
    assert err.value.path == "r.txt" and err.value.line == 1
    with pytest.raises(LockfileError, match="cannot find the pin"):
        fix.rewrite_text("requests>=1\nrequests==2.19.0\n", plan.fixes)


def test_rewrite_keeps_every_line_ending(db: Path) -> None:
    with open_db(db) as source:
        plan = fix.plan(deps("click==8.0\r\nrequests==2.19.0\r\n"), source)
    text = "click==8.0\r\nrequests==2.19.0\r\n"
    assert fix.rewrite_text(text, plan.fixes) == "click==8.0\r\nrequests==2.20.0\r\n"


def test_only_regular_writable_files_inside_the_repository(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    (root / "sub").mkdir(parents=True)
    (tmp_path / "outside.txt").write_text("x==1\n")
    (root / "sub" / "real.txt").write_text("x==1\n")
    (root / "inside.txt").symlink_to("sub/real.txt")
    (root / "out.txt").symlink_to(tmp_path / "outside.txt")
    (root / "adir").mkdir()
    assert fix.writable_target(root, "inside.txt") == (root / "sub" / "real.txt").resolve()
    with pytest.raises(LockfileError, match=r"^\.\./outside\.txt: resolves outside the repo"):
        fix.writable_target(root, "../outside.txt")
    with pytest.raises(LockfileError, match=r"^out\.txt: resolves outside the repository"):
        fix.writable_target(root, "out.txt")
    with pytest.raises(LockfileError, match=r"^adir: not a regular file"):
        fix.writable_target(root, "adir")
    with pytest.raises(LockfileError, match=r"^gone\.txt: cannot read"):
        fix.writable_target(root, "gone.txt")


def test_unreadable_text_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "r.txt").write_bytes(b"x==1 \xff\n")
    with pytest.raises(LockfileError, match=r"^r\.txt: not UTF-8"):
        fix._read("r.txt", tmp_path / "r.txt")
    with pytest.raises(LockfileError, match=r"^d: cannot read: Is a directory"):
        fix._read("d", tmp_path)
    monkeypatch.setattr("gatekeeper.deps.fix.os.access", lambda path, mode: False)
    with pytest.raises(LockfileError, match=r"^r\.txt: read-only file"):
        fix.writable_target(tmp_path, "r.txt")


def test_online_source_has_no_freshness() -> None:
    source = open_online("http://127.0.0.1:9/v1/query")
    try:
        assert freshness(source, Policy()) == []
    finally:
        source.close()
