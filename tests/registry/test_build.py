"""Building with `python -m build`: the real sample package, a broken one, a hung one."""

from __future__ import annotations

import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

from gatekeeper.errors import BuildError
from gatekeeper.registry.build import build, build_argv
from tests.report.conftest import REPO_ROOT

CLIENT = REPO_ROOT / "packages" / "corp-recipe-client"


def test_argv_builds_the_sdist_then_the_wheel_from_it(tmp_path: Path) -> None:
    argv = build_argv(CLIENT, tmp_path)
    module = "gatekeeper.registry.isolated_build"
    assert argv == [sys.executable, "-m", module, str(CLIENT), str(tmp_path)]


@pytest.mark.slow
def test_builds_the_sample_client(tmp_path: Path) -> None:
    built = build(CLIENT, tmp_path)
    assert built.sdist.name == "corp_recipe_client-1.0.0.tar.gz"
    assert built.wheel.name == "corp_recipe_client-1.0.0-py3-none-any.whl"
    assert sorted(p.name for p in tmp_path.iterdir()) == [built.wheel.name, built.sdist.name]
    assert 0 < built.duration_s < 120
    with tarfile.open(built.sdist) as tar:
        names = tar.getnames()
    assert "corp_recipe_client-1.0.0/src/corp_recipe_client/client.py" in names
    assert not any("/tests/" in n for n in names)
    with zipfile.ZipFile(built.wheel) as zf:
        assert "corp_recipe_client/py.typed" in zf.namelist()


def _project(tmp_path: Path, pyproject: str) -> Path:
    project = tmp_path / "project"
    project.mkdir()
    (project / "pyproject.toml").write_text(pyproject)
    return project


@pytest.mark.slow
def test_a_broken_project_fails_with_the_tail_of_the_output(tmp_path: Path) -> None:
    project = _project(tmp_path, "[project\nname = 'x'\n")
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(BuildError) as exc:
        build(project, out)
    assert exc.value.exit_code == 2
    assert "the build failed (exit 1)" in str(exc.value)
    assert str(project) in str(exc.value)
    assert not (out / ".build.log").exists()


def _fake_python(tmp_path: Path, script: str) -> str:
    fake = tmp_path / "fake-python"
    fake.write_text(f"#!/bin/sh\n{script}\n")
    fake.chmod(0o755)
    return str(fake)


@pytest.mark.slow
def test_a_build_past_its_deadline_is_killed(tmp_path: Path) -> None:
    project = _project(tmp_path, "")
    out = tmp_path / "out"
    out.mkdir()
    python = _fake_python(tmp_path, "echo building; sleep 30")
    with pytest.raises(BuildError) as exc:
        build(project, out, timeout_s=0.5, python=python)
    assert "did not finish within 0.5 s and was killed; building" in str(exc.value)
    assert "package index" in str(exc.value)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("script", "made"),
    [
        ("exit 0", "nothing"),
        ('touch "$4/a-1.tar.gz" "$4/b-1.tar.gz" "$4/a-1-py3-none-any.whl"', "a-1-py3"),
    ],
)
def test_anything_but_one_sdist_and_one_wheel_is_an_error(
    tmp_path: Path, script: str, made: str
) -> None:
    project = _project(tmp_path, "")
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(
        BuildError, match=f"expected one sdist and one wheel, the build made {made}"
    ):
        build(project, out, python=_fake_python(tmp_path, script))


def test_refuses_a_directory_without_pyproject_or_a_used_output(tmp_path: Path) -> None:
    with pytest.raises(BuildError, match="no pyproject.toml"):
        build(tmp_path, tmp_path)
    (tmp_path / "pyproject.toml").write_text("")
    with pytest.raises(BuildError, match="output directory is not empty"):
        build(tmp_path, tmp_path)
