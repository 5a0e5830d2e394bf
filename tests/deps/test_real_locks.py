"""Lockfiles written by a real uv (``uv lock``; ``uv export --format pylock.toml --all-groups
--all-extras``) for fixtures/uv-project/pyproject.toml: PyYAML and requests in prod, jinja2 as
an extra, iniconfig in the dev group."""

from __future__ import annotations

from pathlib import Path

from gatekeeper.deps.discover import collect, discover_files, working_tree_reader

PROJECT = Path(__file__).parent / "fixtures" / "uv-project"


def test_uv_lock_from_uv() -> None:
    deps = collect(["uv.lock"], working_tree_reader(PROJECT))
    scopes = {d.name: (d.version, d.scope) for d in deps}
    assert scopes == {
        "certifi": ("2026.10.19.post1", "prod"),
        "chardet": ("3.0.4", "prod"),
        "idna": ("2.7", "prod"),
        "iniconfig": ("1.1.1", "dev"),
        "jinja2": ("3.1.2", "dev"),
        "markupsafe": ("3.0.4", "dev"),
        "pyyaml": ("5.3.1", "prod"),
        "requests": ("2.19.0", "prod"),
        "urllib3": ("1.23", "prod"),
    }
    assert all(d.pinned and d.hashes and d.source == "uv.lock" for d in deps)


def test_pylock_from_uv_export() -> None:
    deps = collect(["pylock.toml"], working_tree_reader(PROJECT))
    # Exported with every group and extra and no markers: nothing tells dev apart → prod.
    assert {d.name for d in deps} == {
        "certifi", "chardet", "idna", "iniconfig", "jinja2", "markupsafe", "pyyaml",
        "requests", "urllib3",
    }  # fmt: skip
    assert {d.scope for d in deps} == {"prod"}
    pyyaml = next(d for d in deps if d.name == "pyyaml")
    assert pyyaml.location.path == "pylock.toml"
    text = (PROJECT / "pylock.toml").read_text("utf-8").splitlines()
    assert text[(pyyaml.location.line or 0) - 1] == 'name = "pyyaml"'


def test_discovery_prefers_the_locks_over_pyproject_ranges() -> None:
    files = discover_files(PROJECT)
    assert files == ["pylock.toml", "uv.lock", "pyproject.toml"]
    deps = collect(files, working_tree_reader(PROJECT))
    assert {d.source for d in deps} == {"pylock", "uv.lock"}
