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
        fix.rewrite(plan.fixes, {"r.txt": "requests \\\n  >=1 \\\n"}.get)
    assert err.value.path == "r.txt" and err.value.line == 1
    with pytest.raises(LockfileError, match="cannot find the pin"):
        fix.rewrite(plan.fixes, {"r.txt": "requests>=1\nrequests==2.19.0\n"}.get)
    with pytest.raises(LockfileError, match="disappeared"):
        fix.rewrite(plan.fixes, dict[str, str]().get)


def test_write_atomically_cleans_up_on_failure(tmp_path: Path) -> None:
    target = tmp_path / "target"
    target.mkdir()  # os.replace of a file over a directory fails
    with pytest.raises(IsADirectoryError):
        fix.write_atomically(target, "x")
    assert [p.name for p in tmp_path.iterdir()] == ["target"]
    assert list(target.iterdir()) == []


def test_online_source_has_no_freshness() -> None:
    source = open_online("http://127.0.0.1:9/v1/query")
    try:
        assert freshness(source, Policy()) == []
    finally:
        source.close()
