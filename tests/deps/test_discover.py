from __future__ import annotations

from pathlib import Path

import pytest

from gatekeeper.deps.discover import (
    collect,
    declared,
    discover_files,
    kind_of,
    working_tree_reader,
)
from gatekeeper.errors import LockfileError

PYLOCK = 'lock-version = "1.0"\n[[packages]]\nname = "attrs"\nversion = "21.0"\n'


def test_discover_every_kind(tmp_path: Path) -> None:
    for name in [
        "pylock.toml",
        "pylock.dev.toml",
        "uv.lock",
        "poetry.lock",
        "requirements.txt",
        "dev-requirements.txt",
        "requirements/base.txt",
        "pyproject.toml",
        "setup.py",
        "docs/requirements.txt",
    ]:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("", "utf-8")
    (tmp_path / "requirements-dir.txt").mkdir()
    assert discover_files(tmp_path) == [
        "pylock.toml",
        "pylock.dev.toml",
        "uv.lock",
        "poetry.lock",
        "dev-requirements.txt",
        "requirements.txt",
        "requirements/base.txt",
        "pyproject.toml",
    ]


@pytest.mark.parametrize(
    ("path", "kind"),
    [
        ("pyproject.toml", "pyproject"),
        ("sub/uv.lock", "uv.lock"),
        ("poetry.lock", "poetry.lock"),
        ("pylock.toml", "pylock"),
        ("pylock.prod.toml", "pylock"),
        ("reqs.in", "requirements"),
    ],
)
def test_kind_of(path: str, kind: str) -> None:
    assert kind_of(path) == kind


def test_collect_dedupes_and_prefers_locks() -> None:
    tree = {
        "pylock.toml": PYLOCK,
        "requirements.txt": "-r base.txt\nclick==8.0\n",
        "base.txt": "six==1.16\n",
        "pyproject.toml": '[project]\nname = "x"\ndependencies = ["django>=4"]\n',
    }
    deps = collect(["pylock.toml", "requirements.txt", "base.txt", "pyproject.toml"], tree.get)
    assert [d.name for d in deps] == ["attrs", "six", "click"]
    assert [d.name for d in collect(["pyproject.toml"], tree.get)] == ["django"]
    assert declared(["pylock.toml", "requirements.txt", "pyproject.toml"], tree.get) == {
        "six": "==1.16",
        "click": "==8.0",
        "django": ">=4",
    }


def test_working_tree_reader_errors(tmp_path: Path) -> None:
    read = working_tree_reader(tmp_path)
    assert read("missing.txt") is None
    (tmp_path / "bad.txt").write_bytes(b"\xff\xfe\xfa")
    with pytest.raises(LockfileError, match="not UTF-8 text") as err:
        read("bad.txt")
    assert err.value.path == "bad.txt"
    (tmp_path / "dir.txt").mkdir()
    with pytest.raises(LockfileError, match="not a regular file"):
        read("dir.txt")
