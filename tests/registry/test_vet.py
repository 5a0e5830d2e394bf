"""Vetting built artifacts: metadata, wheel contents, the contents policy, git and sdist
provenance, name and version; the real sample package passes, every planted problem fails."""

from __future__ import annotations

import dataclasses
import functools
import http.server
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from gatekeeper.deps.index import IndexClient
from gatekeeper.errors import BackendUnavailable
from gatekeeper.model import Finding, Severity
from gatekeeper.policy.model import Policy, PublishPolicy, SupplyChainPolicy
from gatekeeper.registry.artifacts import unpacked
from gatekeeper.registry.build import build
from gatekeeper.registry.vet import (
    FileEntry,
    check_name,
    contents,
    forbidden_pattern,
    identity,
    not_from_sdist,
    render_listing,
    twine_check,
    untracked,
    vet_artifacts,
    wheel_contents,
)
from tests.registry.archives import distribution, metadata, sdist, wheel
from tests.report.conftest import REPO_ROOT

CLIENT = REPO_ROOT / "packages" / "corp-recipe-client"
#: A planted AWS access key ID (the secrets gate's pattern); it must never be printed.
AWS_KEY = "AKIA" + "Q3EGRT5HKD7WNV2X"
CODE = {"corp_x/__init__.py": b'"""x."""\n\nVALUE = 1\n', "corp_x/py.typed": b""}


def _ids(findings: list[Finding] | tuple[Finding, ...]) -> list[str]:
    return sorted(f.rule_id for f in findings)


def _absent() -> IndexClient:
    return IndexClient(
        "https://pypi.test/simple/",
        transport=httpx.MockTransport(lambda request: httpx.Response(404)),
    )


def test_a_clean_distribution_passes_every_artifact_check(tmp_path: Path) -> None:
    sd, wh = distribution(tmp_path, CODE)
    assert twine_check(sd) == [] and twine_check(wh) == []
    assert wheel_contents(wh) == []
    with unpacked(sd) as src, unpacked(wh) as whl:
        assert contents(src, Policy()) == [] and contents(whl, Policy()) == []
        assert not_from_sdist(src, whl) == []
        assert identity(sd, whl) == ([], ("corp-x", "1.0.0"))


def test_twine_check_refuses_bad_markup_and_warns_without_a_description(tmp_path: Path) -> None:
    rst = (
        b"Metadata-Version: 2.1\nName: corp-x\nVersion: 1.0.0\n"
        b"Description-Content-Type: text/x-rst\n\nBad\n===\n\n.. bogus-directive::\n\n`unclosed\n"
    )
    sd, _ = distribution(tmp_path, CODE, meta=rst)
    (found,) = twine_check(sd)
    assert found.rule_id == "GK-PUB-010" and found.severity is Severity.HIGH
    assert "would not render" in found.message
    (tmp_path / "b").mkdir()
    bare = b"Metadata-Version: 2.1\nName: corp-x\nVersion: 1.0.0\n"
    sd, _ = distribution(tmp_path / "b", CODE, meta=bare)
    found_all = twine_check(sd)
    assert [f.severity for f in found_all] == [Severity.LOW, Severity.LOW]
    assert any("`long_description` missing" in f.message for f in found_all)


def test_twine_check_refuses_metadata_without_a_name(tmp_path: Path) -> None:
    sd, _ = distribution(tmp_path, CODE, meta=b"Metadata-Version: 2.1\nVersion: 1.0.0\n\n")
    (found,) = twine_check(sd)
    assert found.rule_id == "GK-PUB-010"
    assert found.message.startswith(f"{sd.name}: twine check: ")


def test_wheel_contents_finds_bytecode_and_an_invalid_wheel(tmp_path: Path) -> None:
    _, wh = distribution(tmp_path, {**CODE, "corp_x/__init__.pyc": b"\0"})
    found = wheel_contents(wh)
    assert "W001" in [f.ids[0] for f in found]
    assert all(f.rule_id == "GK-PUB-011" for f in found)
    broken = wheel(tmp_path / "corp_y-1.0-py3-none-any.whl", [("corp_y/__init__.py", b"")])
    (invalid,) = wheel_contents(broken)
    assert "invalid wheel" in invalid.message


@pytest.mark.parametrize(
    ("path", "pattern"),
    [
        ("tests/test_x.py", "tests"),
        ("src/corp_x/tests/test_x.py", "tests"),
        ("conftest.py", "conftest.py"),
        (".env", ".env"),
        ("config/.env.production", ".env.*"),
        ("deploy/prod.env", "*.env"),
        ("certs/server.pem", "*.pem"),
        ("id_rsa", "id_rsa"),
        (".git/config", ".git"),
        (".github/workflows/ci.yml", ".github"),
        (".gitlab-ci.yml", ".gitlab-ci.yml"),
        ("src/a/.pypirc", ".pypirc"),
    ],
)
def test_the_default_forbidden_paths(path: str, pattern: str) -> None:
    assert forbidden_pattern(path, PublishPolicy().forbidden) == pattern


def test_forbidden_patterns_with_a_slash_match_the_whole_path() -> None:
    assert forbidden_pattern("docs/internal/a.md", ["docs/internal/*"]) == "docs/internal/*"
    assert forbidden_pattern("src/docs/internal/a.md", ["docs/internal/*"]) is None
    for allowed in ("src/corp_x/testing.py", ".gitignore", "README.md", "src/latest/a.py"):
        assert forbidden_pattern(allowed, PublishPolicy().forbidden) is None


def test_contents_forbidden_large_and_secret_files(tmp_path: Path) -> None:
    extra = {
        "tests/test_x.py": b"def test(): pass\n",
        ".env": b"DEBUG=1\n",
        "big.txt": b"x" * 5000,
        "src/corp_x/settings.py": f'AWS = "{AWS_KEY}"\n'.encode(),
        "blob.bin": b"\0" + AWS_KEY.encode(),
    }
    sd, _ = distribution(tmp_path, CODE, sdist_extra=extra)
    policy = dataclasses.replace(Policy(), publish=PublishPolicy(max_file_bytes=4096))
    with unpacked(sd) as src:
        found = contents(src, policy)
    assert _ids(found) == ["GK-PUB-012", "GK-PUB-012", "GK-PUB-013", "GK-PUB-014"]
    secret = next(f for f in found if f.rule_id == "GK-PUB-013")
    assert secret.severity is Severity.CRITICAL
    assert "AWS access key ID" in secret.message and "src/corp_x/settings.py" in secret.message
    assert str(secret.location) == f"{sd.name}!src/corp_x/settings.py:1:8"
    for f in found:
        assert AWS_KEY not in f.message + repr(dict(f.data)) + f.fingerprint
    large = next(f for f in found if f.rule_id == "GK-PUB-014")
    assert "big.txt of 5000 bytes" in large.message


def test_wheel_files_must_come_from_the_sdist(tmp_path: Path) -> None:
    sd, wh = distribution(
        tmp_path,
        CODE,
        wheel_extra={
            "corp_x/injected.py": b"import os\n",
            "corp_x-1.0.0.data/purelib/corp_x/extra.py": b"1\n",
            "corp_x-1.0.0.data/scripts/tool": b"#!python\n",
        },
        sdist_extra={"src/corp_x/extra.py": b"1\n"},
    )
    with unpacked(sd) as src, unpacked(wh) as whl:
        (found,) = not_from_sdist(src, whl)
        assert "corp_x/injected.py, which is not in the sdist" in found.message
    (tmp_path / "b").mkdir()
    sd, _ = distribution(tmp_path / "b", {**CODE, "corp_x/__init__.py": b"changed\n"})
    with unpacked(sd) as src, unpacked(wh) as whl:
        found_all = not_from_sdist(src, whl)
    assert any("__init__.py, which differs from the sdist's" in f.message for f in found_all)


def test_identity_mismatches(tmp_path: Path) -> None:
    sd, wh = distribution(tmp_path, CODE, wheel_name="corp_x-2.0.0-py3-none-any.whl")
    with unpacked(wh) as whl:
        found, meta = identity(sd, whl)
    assert _ids(found) == ["GK-PUB-019"] and meta == ("corp-x", "1.0.0")
    bad_sdist = sd.rename(tmp_path / "notasdist.tar.gz")
    with unpacked(wh) as whl:
        found, _ = identity(bad_sdist, whl)
    assert _ids(found) == ["GK-PUB-019"]
    empty = wheel(tmp_path / "corp_x-1.0.0-py3-none-any.whl", [("corp_x/a.py", b"")])
    with unpacked(empty) as whl:
        found, meta = identity(sd, whl)
    assert meta is None and "no readable METADATA" in found[0].message
    (tmp_path / "c").mkdir()
    nameless = metadata("corp-x", "1.0.0").replace(b"Name: corp-x\n", b"")
    sd, wh = distribution(tmp_path / "c", CODE, meta=nameless)
    with unpacked(wh) as whl:
        assert identity(sd, whl)[1] is None
    (tmp_path / "d").mkdir()
    huge = metadata("corp-x", "1.0.0", description="x" * (1 << 20))
    sd, wh = distribution(tmp_path / "d", CODE, meta=huge)
    with unpacked(wh) as whl:
        assert identity(sd, whl)[1] is None  # METADATA over 1 MiB is not read


def test_identity_leaves_an_invalid_version_to_the_version_check(tmp_path: Path) -> None:
    sd, wh = distribution(tmp_path, CODE, meta=metadata("corp-x", "one"))
    with unpacked(wh) as whl:
        assert identity(sd, whl) == ([], ("corp-x", "one"))


def _simple(name: str) -> httpx.MockTransport:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path != f"/simple/{name}/":
            return httpx.Response(404)
        return httpx.Response(
            200,
            json={"files": [{"filename": f"{name.replace('-', '_')}-0.0.1.tar.gz"}]},
            headers={"content-type": "application/vnd.pypi.simple.v1+json"},
        )

    return httpx.MockTransport(handler)


def test_the_name_must_be_internal_and_not_public() -> None:
    assert check_name("corp-x", Policy(), _absent()) == []
    public = IndexClient("https://pypi.test/simple/", transport=_simple("corp-x"))
    (found,) = check_name("corp-x", Policy(), public)
    assert found.rule_id == "GK-PUB-018" and found.severity is Severity.CRITICAL
    assert "exists on the public index https://pypi.test/simple/ (1 version(s))" in found.message
    (found,) = check_name("requests2", Policy(), _absent())
    assert found.rule_id == "GK-PUB-017" and "(corp-)" in found.message


def test_render_listing() -> None:
    listing = [
        FileEntry("a-1.tar.gz", "PKG-INFO", 1700),
        FileEntry("a-1.tar.gz", "src/a.py", 12),
        FileEntry("a-1-py3-none-any.whl", "a.py", 2_500_000),
    ]
    assert render_listing(listing) == (
        "Contents of a-1.tar.gz\n"
        "   1.7kB  PKG-INFO\n"
        "     12B  src/a.py\n"
        "total files: 2, unpacked size: 1.7kB\n"
        "Contents of a-1-py3-none-any.whl\n"
        "   2.5MB  a.py\n"
        "total files: 1, unpacked size: 2.5MB\n"
    )


# ----------------------------------------------------------------- with git and the index


def _git(root: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True)


@pytest.mark.slow
def test_the_sdist_holds_only_what_git_tracks(tmp_path: Path) -> None:
    source = tmp_path / "repo" / "pkg"
    (source / "src" / "corp_x").mkdir(parents=True)
    for rel in ("pyproject.toml", "src/corp_x/__init__.py", "src/corp_x/py.typed"):
        (source / rel).write_text("")
    _git(source.parent, "init", "-q")
    _git(source.parent, "add", ".")
    out = tmp_path / "out"
    out.mkdir()
    sd, _ = distribution(out, CODE, sdist_extra={"local.txt": b"notes", "x.egg-info/a": b""})
    with unpacked(sd) as src:
        (found,) = untracked(src, source)
    assert found.rule_id == "GK-PUB-015" and "local.txt" in found.message
    plain = tmp_path / "plain"
    plain.mkdir()
    with unpacked(sd) as src:
        (info,) = untracked(src, plain)
    assert info.severity is Severity.INFO and "not in a git repository" in info.message


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    result = build(CLIENT, tmp_path_factory.mktemp("built"))
    return result.sdist, result.wheel


@pytest.mark.slow
def test_the_sample_client_passes_and_lists_its_files(built: tuple[Path, Path]) -> None:
    sd, wh = built
    result = vet_artifacts(sd, wh, source_root=CLIENT, policy=Policy(), public=_absent())
    assert result.findings == ()
    assert (result.name, result.version) == ("corp-recipe-client", "1.0.0")
    paths = [(e.artifact, e.path) for e in result.listing]
    assert (wh.name, "corp_recipe_client/client.py") in paths
    assert (sd.name, "src/corp_recipe_client/client.py") in paths
    assert not any("tests" in p for _, p in paths)
    assert 0 < result.duration_s < 30
    assert "Contents of corp_recipe_client-1.0.0.tar.gz" in render_listing(result.listing)


@pytest.mark.slow
def test_the_version_is_compared_with_the_target_index(built: tuple[Path, Path]) -> None:
    sd, wh = built
    found = vet_artifacts(
        sd, wh, source_root=CLIENT, policy=Policy(), public=_absent(), existing_versions=["1.0"]
    ).findings
    assert _ids(found) == ["GK-PUB-021"]


@pytest.mark.slow
def test_hostile_archives_are_not_handed_to_twine(tmp_path: Path) -> None:
    sd = sdist(tmp_path / "corp_x-1.0.0.tar.gz", [("../evil", b"x")])
    wh = wheel(tmp_path / "corp_x-1.0.0-py3-none-any.whl", [("/abs", b"x")])
    found = vet_artifacts(sd, wh, source_root=CLIENT, policy=Policy(), public=_absent()).findings
    assert _ids(found) == ["GK-PUB-001", "GK-PUB-002", "GK-PUB-019"]
    assert not (tmp_path.parent / "evil").exists()


@pytest.fixture
def stand_in_index(tmp_path: Path) -> Iterator[str]:
    """A local stand-in for the public index: a static PEP 503 tree over loopback HTTP."""
    project = tmp_path / "simple" / "corp-recipe-client"
    project.mkdir(parents=True)
    (project / "index.html").write_text(
        '<html><body><a href="x">corp_recipe_client-0.1.tar.gz</a></body></html>'
    )
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(tmp_path))
    handler.log_message = lambda *args: None  # type: ignore[attr-defined]
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/simple/"
    server.shutdown()
    server.server_close()


@pytest.mark.slow
def test_a_name_on_the_stand_in_public_index_is_refused(
    built: tuple[Path, Path], stand_in_index: str
) -> None:
    sd, wh = built
    policy = dataclasses.replace(
        Policy(), supply_chain=SupplyChainPolicy(public_index_url=stand_in_index)
    )
    found = vet_artifacts(sd, wh, source_root=CLIENT, policy=policy).findings
    assert _ids(found) == ["GK-PUB-018"]
    assert stand_in_index in found[0].message
    down = dataclasses.replace(
        Policy(), supply_chain=SupplyChainPolicy(public_index_url="http://127.0.0.1:9/simple/")
    )
    with pytest.raises(BackendUnavailable):
        check_name("corp-recipe-client", down)
