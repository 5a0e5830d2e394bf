"""``audit.resolve``: pip's real resolver (a dry run) against a real local index of real wheels."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from gatekeeper.deps import resolve as resolver
from gatekeeper.deps.interface import Dependency
from gatekeeper.errors import BackendUnavailable, LockfileError
from gatekeeper.model import ErrorKind, Location, Status
from tests.audit.test_gate import audit, by_package, policy, write
from tests.deps.wheel_index import make_wheel, wheel_index
from tests.helpers import run_cli
from tests.servers import free_port


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    wheels = tmp_path_factory.mktemp("wheels")
    make_wheel(wheels, "requests", "2.19.0", ["urllib3<1.25,>=1.21.1"])
    make_wheel(wheels, "requests", "2.31.0", ["urllib3<3,>=1.21.1"])
    make_wheel(wheels, "urllib3", "1.24.1")
    make_wheel(wheels, "urllib3", "2.0.7")
    make_wheel(wheels, "Jinja2", "3.1.2", ["MarkupSafe>=2.0"])
    make_wheel(wheels, "MarkupSafe", "2.1.3")
    make_wheel(wheels, "PyYAML", "5.4")
    make_wheel(wheels, "winonly", "1.0")
    with wheel_index(wheels) as url:
        yield url


REQUIREMENTS = {
    "requirements.txt": "requests>=2,<2.20\nPyYAML==5.4\nwinonly ; sys_platform == 'win32'\n",
    "requirements-dev.txt": "jinja2>=3\nrequests\n",
}


@pytest.mark.slow
def test_unpinned_requirements_are_resolved_and_audited(
    tmp_path: Path, db: Path, index: str
) -> None:
    root = write(tmp_path, REQUIREMENTS)
    report = audit(root, policy(db, resolve=True, index_url=index))
    found = by_package(report)
    requests = {(j.finding.rule_id, j.finding.scope) for j in found["requests"]}
    # still an unpinned requirement in both files, and 2.19.0 (what prod resolves to) is vulnerable
    assert requests == {("GK-AUD-002", "prod"), ("GK-AUD-002", "dev"), ("GK-AUD-001", "prod")}
    vulnerable = next(j for j in found["requests"] if j.finding.rule_id == "GK-AUD-001")
    assert vulnerable.finding.data["version"] == "2.19.0" and vulnerable.blocking
    assert "requests 2.19.0 (prod, resolved today)" in vulnerable.finding.message
    assert str(vulnerable.finding.location) == "requirements.txt:1"
    # urllib3 is only pulled in by requests: audited, located at the file, not "unpinned"
    (urllib3,) = found["urllib3"]
    assert urllib3.finding.rule_id == "GK-AUD-001" and urllib3.finding.data["version"] == "1.24.1"
    assert urllib3.finding.data["source"] == "resolved" and urllib3.finding.scope == "prod"
    assert str(urllib3.finding.location) == "requirements.txt"
    # dev: jinja2 3.1.2 is vulnerable (dev scope does not block); requests 2.31.0 is clean
    jinja = {j.finding.rule_id for j in found["jinja2"]}
    assert jinja == {"GK-AUD-001", "GK-AUD-002"}
    assert all(j.finding.scope == "dev" and not j.blocking for j in found["jinja2"])
    assert "pyyaml" not in found and "markupsafe" not in found and "winonly" not in found
    assert report.exit_code == 1


def test_pinned_files_never_call_pip(tmp_path: Path, db: Path) -> None:
    root = write(tmp_path, {"requirements.txt": "requests==2.20.0\n"})
    unreachable = f"http://127.0.0.1:{free_port()}/simple/"
    assert audit(root, policy(db, resolve=True, index_url=unreachable)).exit_code == 0


@pytest.mark.slow
def test_unreachable_index_is_a_backend_error(tmp_path: Path, db: Path) -> None:
    root = write(tmp_path, {"requirements.txt": "requests>=2\n"})
    unreachable = f"http://127.0.0.1:{free_port()}/simple/"
    report = audit(root, policy(db, resolve=True, index_url=unreachable))
    gate = report.gates[0]
    assert gate.status is Status.ERRORED and gate.error_kind is ErrorKind.BACKEND
    assert report.exit_code == 3
    assert gate.reason is not None and "package index is unreachable" in gate.reason


@pytest.mark.slow
def test_unsatisfiable_requirement_names_the_file(tmp_path: Path, db: Path, index: str) -> None:
    root = write(tmp_path, {"requirements.txt": "requests>=99\n"})
    report = audit(root, policy(db, resolve=True, index_url=index))
    gate = report.gates[0]
    assert gate.error_kind is ErrorKind.INPUT and report.exit_code == 2
    assert gate.reason is not None
    assert gate.reason.startswith("requirements.txt: pip cannot resolve the unpinned")
    assert "requests>=99" in gate.reason and "only wheels are considered" in gate.reason


@pytest.mark.slow
def test_cli_flag(tmp_path: Path, db: Path, index: str) -> None:
    root = write(tmp_path / "repo", {"requirements.txt": "requests<2.20\n"})
    policy_file = write(tmp_path, {"p.toml": f'[audit]\nindex_url = "{index}"\n'}) / "p.toml"
    args = ("audit", str(root), "--db", str(db), "--policy", str(policy_file), "-f", "json")
    plain = json.loads(run_cli(*args).stdout)
    resolved = json.loads(run_cli(*args, "--resolve").stdout)

    def rules(report: dict[str, Any]) -> set[tuple[str, str]]:
        found = [f for g in report["gates"] for f in g["findings"]]
        return {(f["rule_id"], f["data"]["package"]) for f in found}

    assert rules(plain) == {("GK-AUD-002", "requests")}
    assert rules(resolved) == {
        ("GK-AUD-002", "requests"),
        ("GK-AUD-001", "requests"),
        ("GK-AUD-001", "urllib3"),
    }


def _dep(text: str, **fields: Any) -> Dependency:
    base: dict[str, Any] = {
        "name": "x",
        "version": None,
        "specifier": "",
        "pinned": False,
        "scope": "prod",
        "location": Location("r.txt", 1),
        "source": "requirements",
        "raw_name": text,
    }
    return Dependency(**{**base, **fields})


def test_requirement_text_keeps_extras_specifier_and_marker() -> None:
    dep = _dep("Req", extras=("a", "b"), specifier=">=1", marker='python_version >= "3"')
    assert resolver.requirement_text(dep) == 'Req[a,b]>=1 ; python_version >= "3"'
    assert resolver.requirement_text(_dep("", name="plain")) == "plain"


@pytest.mark.slow
@pytest.mark.parametrize(
    ("script", "error", "message"),
    [
        ("print('not json')", LockfileError, "pip printed no installation report"),
        ("print('{}')", LockfileError, "pip printed no installation report"),
        ("import sys; sys.stderr.write('boom'); sys.exit(1)", LockfileError, "resolve the"),
    ],
)
def test_pip_output_that_makes_no_sense_is_an_error(
    monkeypatch: pytest.MonkeyPatch, script: str, error: type[Exception], message: str
) -> None:
    """Whatever pip prints, a broken run is a clear error, never a pass."""
    monkeypatch.setattr(resolver, "pip_command", lambda *_: [sys.executable, "-c", script])
    with pytest.raises(error, match=message):
        resolver.pip_resolve(["x"], None, Location("r.txt", 1))


def test_failure_classification() -> None:
    where = Location("r.txt", 3)
    down = resolver._failure("WARNING: Retrying ... NewConnectionError\nERROR: no\n", where)
    assert isinstance(down, BackendUnavailable) and "(no)" in str(down)
    bad = resolver._failure("ERROR: ResolutionImpossible\n", where)
    assert isinstance(bad, LockfileError) and str(bad).startswith("r.txt: pip cannot resolve")


@pytest.mark.slow
def test_the_policy_index_alone_is_used(
    tmp_path: Path, db: Path, index: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An extra index from pip's configuration must not leak in (dependency confusion)."""
    other = tmp_path / "other"
    other.mkdir()
    make_wheel(other, "requests", "2.99.0")
    root = write(tmp_path / "repo", {"requirements.txt": "requests\n"})
    with wheel_index(other) as other_url:
        monkeypatch.setenv("PIP_EXTRA_INDEX_URL", other_url)
        report = audit(root, policy(db, resolve=True, index_url=index))
    (unpinned,) = by_package(report)["requests"]  # 2.31.0 is clean: only the unpinned finding
    assert unpinned.finding.rule_id == "GK-AUD-002"
    assert unpinned.finding.data["version"] == "2.31.0"  # what `index` alone resolves to


def test_pip_command_uses_pips_configuration_without_a_policy_index() -> None:
    argv = resolver.pip_command(["requests>=2"], None)
    assert "--isolated" not in argv and "--index-url" not in argv
    assert argv[-1] == "requests>=2" and "--only-binary" in argv and "--dry-run" in argv
    assert resolver.pip_command(["x"], "https://idx/simple/")[-4:] == [
        "--isolated",
        "--index-url",
        "https://idx/simple/",
        "x",
    ]
