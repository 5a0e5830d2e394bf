"""``gatekeeper publish``'s failure paths, each stopping at its own step with prod untouched:
the build, the index, the vetting, the package's gates, the API comparison and the upload fail
here on purpose (the registry functions replaced, a real git repository and real artifacts)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, cast

import pytest

from gatekeeper import runner
from gatekeeper.errors import BackendUnavailable, BuildError, ReleaseRefused
from gatekeeper.git import GitRepo
from gatekeeper.model import GateReport, Status
from gatekeeper.policy.load import with_overrides
from gatekeeper.policy.model import Policy
from gatekeeper.registry import build as build_module
from gatekeeper.registry import isolated_build, release, vet
from gatekeeper.registry.build import Built
from gatekeeper.registry.devpi import DevpiClient, Link, VersionData
from gatekeeper.registry.publish import Published, Target, git_state, publish
from gatekeeper.registry.vet import Vetting
from tests.registry.artifacts import make_sdist, make_wheel
from tests.registry.test_publish import project, rule_ids

pytestmark = pytest.mark.slow

TARGET = Target(url="http://127.0.0.1:9", staging="corp/staging", prod="corp/prod")


class FakeClient:
    """What publish asks of devpi, answered from a dict of prod's versions."""

    url = TARGET.url

    def __init__(self, prod: dict[str, VersionData] | None = None, fail: str = "") -> None:
        self.prod = prod or {}
        self.fail = fail
        self.deleted: list[str] = []

    def versions(self, index: str, project: str) -> dict[str, VersionData]:
        if self.fail == "versions":
            raise BackendUnavailable("devpi is down")
        return self.prod if index == TARGET.prod else {}

    def version(self, index: str, project: str, version: str) -> VersionData | None:
        return self.versions(index, project).get(version)

    def read_bytes(self, href: str, max_bytes: int = 0) -> bytes:
        raise BackendUnavailable("devpi went away mid-download")

    def delete_version(self, index: str, name: str, version: str) -> bool:
        self.deleted.append(f"{index}/{name}/{version}")
        if self.fail == "delete":
            raise BackendUnavailable("devpi refuses the delete")
        return True


@pytest.fixture
def built(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Built:
    out = tmp_path / "dists"
    made = Built(make_sdist(out, "corp-demo", "2.0.0"), make_wheel(out, "corp-demo", "2.0.0"), 0.1)
    monkeypatch.setattr(build_module, "build", lambda source, out_dir: made)
    return made


@pytest.fixture
def clean_vetting(monkeypatch: pytest.MonkeyPatch) -> None:
    vetted = Vetting((), (), "corp-demo", "2.0.0", 0.0)
    monkeypatch.setattr(vet, "vet_artifacts", lambda *a, **k: vetted)


def policy(gates: list[str] | None = None) -> Policy:
    return with_overrides(Policy(), {"publish": {"gates": gates or []}})


def go(root: Path, client: FakeClient, gates: list[str] | None = None) -> Published:
    return publish(root, policy=policy(gates), client=cast(DevpiClient, client), target=TARGET)


def previous(version: str, wheel: bool = True) -> dict[str, VersionData]:
    name = "corp_demo-1.0.0-py3-none-any.whl" if wheel else "corp_demo-1.0.0.tar.gz"
    link = Link(rel="releasefile", basename=name, href=f"{TARGET.url}/corp/prod/+f/{name}")
    return {version: VersionData(name="corp-demo", version=version, links=(link,))}


def test_a_directory_outside_git_has_no_provenance(tmp_path: Path) -> None:
    commit, findings = git_state(tmp_path)
    assert commit is None and [f.rule_id for f in findings] == ["GK-PUB-044"]
    assert GitRepo(tmp_path).dirty(".") is None


def test_a_failing_build_stops_at_the_build(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    def broken(source: Path, out_dir: Path) -> Built:
        raise BuildError("the build failed (exit 1)", path=source)

    monkeypatch.setattr(build_module, "build", broken)
    outcome = go(project(tmp_path, "2.0.0"), FakeClient())
    assert outcome.stopped_at == "build"
    assert runner.exit_code(outcome.gates) == 2


def test_devpi_down_stops_at_the_release_step(tmp_path: Path, built: Built) -> None:
    outcome = go(project(tmp_path, "2.0.0"), FakeClient(fail="versions"))
    assert outcome.stopped_at == "release" and runner.exit_code(outcome.gates) == 3


def test_a_vetting_that_cannot_finish_stops_at_the_artifacts(
    tmp_path: Path, built: Built, monkeypatch: pytest.MonkeyPatch
) -> None:
    def down(*args: Any, **kwargs: Any) -> Vetting:
        raise BackendUnavailable("the public index is unreachable")

    monkeypatch.setattr(vet, "vet_artifacts", down)
    outcome = go(project(tmp_path, "2.0.0"), FakeClient())
    assert outcome.stopped_at == "artifacts" and runner.exit_code(outcome.gates) == 3


def test_a_failing_package_gate_stops_before_the_api(
    tmp_path: Path, built: Built, clean_vetting: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    failed = runner.assemble([GateReport("sast", Status.FAILED)], tmp_path)
    monkeypatch.setattr(runner, "run", lambda *a, **k: failed)
    outcome = go(project(tmp_path, "2.0.0"), FakeClient(), gates=["sast"])
    assert outcome.stopped_at == "sast" and "api" not in [g.name for g in outcome.gates]


def test_a_previous_release_without_a_wheel_cannot_be_compared(
    tmp_path: Path, built: Built, clean_vetting: None
) -> None:
    outcome = go(project(tmp_path, "2.0.0"), FakeClient(previous("1.0.0", wheel=False)))
    assert outcome.stopped_at == "api" and "GK-PUB-032" in rule_ids(outcome)


def test_devpi_failing_during_the_api_comparison_is_a_backend_error(
    tmp_path: Path, built: Built, clean_vetting: None
) -> None:
    outcome = go(project(tmp_path, "2.0.0"), FakeClient(previous("1.0.0")))
    assert outcome.stopped_at == "api" and runner.exit_code(outcome.gates) == 3


@pytest.mark.parametrize(
    ("failure", "uploaded", "code"),
    [
        (ReleaseRefused("prod already holds other files"), True, 1),
        (BackendUnavailable("devpi failed mid-upload"), False, 3),
        (BackendUnavailable("devpi failed during the push"), True, 3),
    ],
)
def test_an_upload_step_failing_discards_the_candidate_and_leaves_prod_alone(
    tmp_path: Path,
    built: Built,
    clean_vetting: None,
    monkeypatch: pytest.MonkeyPatch,
    failure: Exception,
    uploaded: bool,
    code: int,
) -> None:
    def upload(*args: Any) -> tuple[Link, ...]:
        if not uploaded:
            raise failure
        return ()

    def promote(*args: Any) -> None:
        raise failure

    monkeypatch.setattr(release, "upload", upload)
    monkeypatch.setattr(release, "attach_provenance", lambda *a: 2)
    monkeypatch.setattr(release, "smoke_install", lambda *a, **k: None)
    monkeypatch.setattr(release, "promote", promote)
    client = FakeClient(fail="delete" if code == 1 else "")
    outcome = go(project(tmp_path, "2.0.0"), client)
    assert outcome.stopped_at == "upload" and runner.exit_code(outcome.gates) == code
    assert client.deleted == (["corp/staging/corp-demo/2.0.0"] if uploaded else [])
    if code == 1:
        assert "GK-PUB-041" in rule_ids(outcome)


def test_one_isolated_environment_builds_the_sdist_and_the_wheel(tmp_path: Path) -> None:
    root = project(tmp_path, "3.1.0")
    out = tmp_path / "out"
    out.mkdir()
    assert isolated_build.main([str(root), str(out)]) == 0
    assert sorted(p.name for p in out.iterdir()) == [
        "corp_greet-3.1.0-py3-none-any.whl",
        "corp_greet-3.1.0.tar.gz",
    ]


def test_skipping_the_package_gates_reports_each_as_skipped(
    tmp_path: Path, built: Built, clean_vetting: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(release, "upload", lambda *a: ())
    monkeypatch.setattr(release, "attach_provenance", lambda *a: 2)
    monkeypatch.setattr(release, "smoke_install", lambda *a, **k: None)
    monkeypatch.setattr(release, "promote", lambda *a: None)
    outcome = publish(
        project(tmp_path, "2.0.0"),
        policy=policy(["sast", "audit"]),
        client=cast(DevpiClient, FakeClient()),
        target=TARGET,
        run_gates=False,
    )
    assert outcome.state == "published"
    skipped = {g.name: g.reason for g in outcome.gates if g.status is Status.SKIPPED}
    assert skipped == {"sast": "--skip-gates", "audit": "--skip-gates"}
