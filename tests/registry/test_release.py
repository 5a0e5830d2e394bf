"""The release steps on a real devpi-server: immutability, latest version, upload, promotion,
provenance read back from prod, the smoke install with real pip; faults at the transport."""

from __future__ import annotations

import zipfile
from pathlib import Path

import httpx
import pytest
from packaging.version import Version
from pydantic import SecretStr

from gatekeeper.errors import (
    ArchiveError,
    BackendUnavailable,
    ReleaseRefused,
    SmokeTestFailed,
    UsageError,
)
from gatekeeper.registry import release
from gatekeeper.registry.devpi import DevpiClient
from gatekeeper.registry.release import Provenance
from gatekeeper.registry.versions import latest
from tests.registry.artifacts import make_sdist, make_wheel
from tests.registry.test_devpi import mock_client
from tests.servers import Devpi

NAME = "corp-demo"


@pytest.fixture
def client(devpi: Devpi, org: str):
    """Root, with ORG/staging (volatile, based on prod) and ORG/prod (immutable)."""
    with DevpiClient(devpi.url) as c:
        c.login("root", SecretStr(devpi.root_password))
        c.create_user(org, SecretStr("unused-org-password"))
        acl = {"acl_upload": ["root"], "acl_toxresult_upload": ["root"]}
        c.create_index(f"{org}/prod", {"volatile": False, **acl})
        c.create_index(f"{org}/staging", {"volatile": True, "bases": [f"{org}/prod"], **acl})
        yield c


def dists(tmp: Path, version: str, module: str = "VALUE = 1\n") -> list[Path]:
    return [make_wheel(tmp, NAME, version, module), make_sdist(tmp, NAME, version, module)]


def meta(version: str) -> dict[str, str]:
    return {"name": NAME, "version": version, "summary": "demo"}


# -------------------------------------------------------------- pure helpers
def test_core_metadata_reads_the_wheel(tmp_path: Path) -> None:
    wheel = tmp_path / "corp_demo-1.2.3-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        archive.writestr(
            "corp_demo-1.2.3.dist-info/METADATA",
            "Metadata-Version: 2.1\nName: corp-demo\nVersion: 1.2.3\n"
            "Classifier: A\nClassifier: B\nRequires-Dist: httpx\n\nLong text\n",
        )
    fields = release.core_metadata(wheel)
    assert fields["name"] == NAME and fields["version"] == "1.2.3"
    assert fields["metadata_version"] == "2.1"
    assert fields["classifiers"] == ["A", "B"] and fields["requires_dist"] == ["httpx"]
    assert fields["description"] == "Long text\n"


def test_core_metadata_refuses_what_is_not_a_wheel(tmp_path: Path) -> None:
    bad = tmp_path / "x.whl"
    bad.write_bytes(b"not a zip")
    with pytest.raises(ArchiveError, match="not a wheel"):
        release.core_metadata(bad)
    empty = tmp_path / "y.whl"
    with zipfile.ZipFile(empty, "w") as archive:
        archive.writestr("y/__init__.py", "")
    with pytest.raises(ArchiveError, match="no readable"):
        release.core_metadata(empty)
    short = make_wheel(tmp_path, "corp-short", "1.0")
    assert "description" not in release.core_metadata(short)


def test_provenance_records_round_trip_and_foreign_ones_are_ignored() -> None:
    made = Provenance(commit="abc", gates={"coverage": "passed"})
    assert Provenance.from_record(made.record()) == made
    assert made.record()["testenvs"] == {}
    assert Provenance.from_record({"testenvs": {}}) is None
    assert Provenance.from_record(["x"]) is None
    assert Provenance.from_record({"gatekeeper": {"provenance": 1, "gates": "x"}}) is None


def test_upload_needs_name_and_version(tmp_path: Path) -> None:
    client, _ = mock_client(lambda r: httpx.Response(200))
    with pytest.raises(UsageError, match="name and a version"):
        release.upload(client, "a/b", [], {"name": NAME})


def test_server_failing_mid_upload_leaves_prod_untouched(tmp_path: Path) -> None:
    """The first file goes up, the second meets a 500 until retries run out: exit 3, and
    nothing but the staging upload was ever sent (no push, no request to prod)."""
    sent: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(f"{request.method} {request.url.path}")
        if b".tar.gz" in request.content:
            return httpx.Response(500)
        return httpx.Response(200)

    client, _ = mock_client(handler)
    with pytest.raises(BackendUnavailable) as caught:
        release.upload(client, "o/staging", dists(tmp_path, "1.0.0"), meta("1.0.0"))
    assert caught.value.exit_code == 3
    assert sent == ["POST /o/staging/"] * 4
    assert not any("prod" in line for line in sent)


def test_upload_notices_a_server_that_stored_other_content(tmp_path: Path) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.method == "GET":
            link = {"rel": "releasefile", "href": "http://127.0.0.1:9/f/corp_demo-1.0.0.tar.gz"}
            return httpx.Response(200, json={"result": {"1.0.0": {"+links": [link]}}})
        return httpx.Response(200)

    client, _ = mock_client(handler)
    with pytest.raises(BackendUnavailable, match="did not store corp_demo-1.0.0.tar.gz"):
        release.upload(client, "o/staging", [dists(tmp_path, "1.0.0")[1]], meta("1.0.0"))
    client, _ = mock_client(
        lambda r: httpx.Response(404) if r.method == "GET" else httpx.Response(200)
    )
    with pytest.raises(BackendUnavailable, match="file missing"):
        release.upload(client, "o/staging", [dists(tmp_path, "1.0.0")[1]], meta("1.0.0"))


def test_promote_notices_a_push_that_left_other_files() -> None:
    answers = iter(
        [
            {"1.0": {"+links": [{"rel": "releasefile", "href": "h/a", "hashes": {"sha256": "1"}}]}},
            {},
            {"push": "log"},
            {},
        ]
    )

    def handler(request: httpx.Request) -> httpx.Response:
        data = next(answers)
        status = 404 if data == {} and request.method == "GET" else 200
        return httpx.Response(status, json={"result": data})

    client, _ = mock_client(handler)
    with pytest.raises(BackendUnavailable, match="left o/prod with other files"):
        release.promote(client, "o/staging", "o/prod", "p", "1.0")


def test_read_provenance_skips_records_that_are_not_json_or_not_ours() -> None:
    base = "http://127.0.0.1:9/o/prod/+f/x"
    links = [
        {"rel": "releasefile", "href": f"{base}/p-1.0.tar.gz"},
        {"rel": "toxresult", "href": f"{base}/t1", "for_href": f"{base}/p-1.0.tar.gz"},
        {"rel": "toxresult", "href": f"{base}/t2", "for_href": f"{base}/p-1.0.tar.gz"},
        {"rel": "toxresult", "href": f"{base}/t3", "for_href": f"{base}/other"},
    ]

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/t1"):
            return httpx.Response(200, content=b"not json")
        if request.url.path.endswith("/t2"):
            return httpx.Response(200, json={"testenvs": {}})
        return httpx.Response(200, json={"result": {"1.0": {"+links": links}}})

    client, _ = mock_client(handler)
    assert release.read_provenance(client, "o/prod", "p", "1.0") == {}


# -------------------------------------------------------------- real server
@pytest.mark.slow
def test_compare_new_identical_and_different(client: DevpiClient, org: str, tmp_path: Path):
    prod, staging = f"{org}/prod", f"{org}/staging"
    files = dists(tmp_path / "a", "1.0.0")
    assert release.compare(
        release.existing_files(client, prod, NAME, "1.0.0"), files
    ) == release.Comparison("new")
    assert release.existing_files(client, prod, NAME, "1.0.0") == {}
    release.upload(client, staging, files, meta("1.0.0"))
    release.promote(client, staging, prod, NAME, "1.0.0")
    assert set(release.existing_files(client, prod, NAME, "1.0.0")) == {p.name for p in files}
    assert (
        release.compare(release.existing_files(client, prod, NAME, "1.0.0"), files).state
        == "identical"
    )
    changed = dists(tmp_path / "b", "1.0.0", "VALUE = 2\n")
    result = release.compare(release.existing_files(client, prod, NAME, "1.0.0"), changed)
    assert result.state == "different" and set(result.changed) == {p.name for p in changed}
    extra = make_wheel(tmp_path / "c", NAME, "1.0.0").with_name(
        "corp_demo-1.0.0-py311-none-any.whl"
    )
    make_wheel(tmp_path / "c", NAME, "1.0.0").rename(extra)
    assert release.compare(
        release.existing_files(client, prod, NAME, "1.0.0"), [extra]
    ).missing == (extra.name,)


@pytest.mark.slow
def test_the_latest_version_on_an_index_is_pep440_max(
    client: DevpiClient, org: str, tmp_path: Path
) -> None:
    staging = f"{org}/staging"
    assert latest(client.versions(staging, NAME)) is None
    for version in ("1.9.0", "1.10.0", "1.10.1rc1"):
        release.upload(client, staging, [make_wheel(tmp_path, NAME, version)], meta(version))
    assert latest(client.versions(staging, NAME)) == Version("1.10.1rc1")
    bogus = make_wheel(tmp_path, NAME, "1.0.0").with_name("corp_demo-banana-py3-none-any.whl")
    make_wheel(tmp_path, NAME, "1.0.0").rename(bogus)
    client.upload(staging, bogus, {"name": NAME, "version": "banana"})
    assert latest(client.versions(staging, NAME)) == Version("1.10.1rc1")


@pytest.mark.slow
def test_promote_pushes_once_then_is_a_noop_and_refuses_other_files(
    client: DevpiClient, org: str, tmp_path: Path
) -> None:
    prod, staging = f"{org}/prod", f"{org}/staging"
    with pytest.raises(UsageError, match="upload it first"):
        release.promote(client, staging, prod, NAME, "2.0.0")
    files = dists(tmp_path / "a", "2.0.0")
    links = release.upload(client, staging, files, meta("2.0.0"))
    assert [link.basename for link in links] == [p.name for p in files]
    first = release.promote(client, staging, prod, NAME, "2.0.0")
    assert first.pushed and set(first.files) == {p.name for p in files}
    again = release.promote(client, staging, prod, NAME, "2.0.0")
    assert not again.pushed and again.files == first.files
    release.discard(client, staging, NAME, "2.0.0")
    release.upload(client, staging, dists(tmp_path / "b", "2.0.0", "X = 1\n"), meta("2.0.0"))
    with pytest.raises(ReleaseRefused, match="immutable") as caught:
        release.promote(client, staging, prod, NAME, "2.0.0")
    assert caught.value.exit_code == 1
    assert release.existing_files(client, prod, NAME, "2.0.0") == first.files
    assert release.discard(client, staging, NAME, "2.0.0")
    assert not release.discard(client, staging, NAME, "2.0.0")


@pytest.mark.slow
def test_provenance_survives_the_push_to_prod(client: DevpiClient, org: str, tmp_path: Path):
    prod, staging = f"{org}/prod", f"{org}/staging"
    with pytest.raises(UsageError, match="no files"):
        release.attach_provenance(client, staging, NAME, "3.0.0", Provenance("c", {}))
    files = dists(tmp_path, "3.0.0")
    release.upload(client, staging, files, meta("3.0.0"))
    made = Provenance(commit="0123abc", gates={"coverage": "passed", "sast": "passed"})
    assert release.attach_provenance(client, staging, NAME, "3.0.0", made) == 2
    release.promote(client, staging, prod, NAME, "3.0.0")
    read = release.read_provenance(client, prod, NAME, "3.0.0")
    assert read == {p.name: made for p in files}
    assert read[files[0].name].gatekeeper_version == made.gatekeeper_version
    assert release.read_provenance(client, prod, NAME, "9.9.9") == {}


@pytest.mark.slow
def test_smoke_install_from_the_index(client: DevpiClient, devpi: Devpi, org: str, tmp_path):
    staging = f"{org}/staging"
    release.upload(client, staging, dists(tmp_path, "4.0.0"), meta("4.0.0"))
    simple = f"{devpi.url}/{staging}/+simple/"
    result = release.smoke_install(simple, NAME, "4.0.0", "corp_demo")
    assert 0 < result.duration_s < 60
    print(f"smoke install (venv without pip + pip --python + import): {result.duration_s:.2f} s")
    with pytest.raises(SmokeTestFailed, match="pip install failed") as caught:
        release.smoke_install(simple, NAME, "9.9.9", "corp_demo")
    assert caught.value.exit_code == 1
    with pytest.raises(SmokeTestFailed, match="import corp_missing failed"):
        release.smoke_install(simple, NAME, "4.0.0", "corp_missing")
    with pytest.raises(SmokeTestFailed, match="deadline"):
        release.smoke_install(simple, NAME, "4.0.0", "corp_demo", timeout=0.01)


@pytest.mark.slow
def test_smoke_install_sees_installed_dependencies_but_imports_the_package_from_the_venv(
    client: DevpiClient, devpi: Devpi, org: str, tmp_path: Path
) -> None:
    staging = f"{org}/staging"
    module = "import corp_dependency_here\nVALUE = corp_dependency_here.X\n"
    release.upload(client, staging, dists(tmp_path / "d", "5.0.0", module), meta("5.0.0"))
    simple = f"{devpi.url}/{staging}/+simple/"
    with pytest.raises(SmokeTestFailed, match="No module named 'corp_dependency_here'"):
        release.smoke_install(simple, NAME, "5.0.0", "corp_demo")
    site = tmp_path / "site"
    site.mkdir()
    (site / "corp_dependency_here.py").write_text("X = 1\n")
    release.smoke_install(simple, NAME, "5.0.0", "corp_demo", visible=[site])
    # a copy of the package itself where gatekeeper runs never stands in for the index's
    (site / "corp_demo").mkdir()
    (site / "corp_demo" / "__init__.py").write_text("VALUE = 'the local copy'\n")
    release.smoke_install(simple, NAME, "5.0.0", "corp_demo", visible=[site])
    with pytest.raises(SmokeTestFailed, match="outside the venv"):
        release.smoke_install(simple, NAME, "5.0.0", "corp_dependency_here", visible=[site])
