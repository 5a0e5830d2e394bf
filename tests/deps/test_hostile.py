"""Hostile dependency files: paths out of the repository, special files, huge or malformed lines,
wrong TOML types. Each is a clear LockfileError (exit 2) naming the file; none is a traceback,
and none echoes what it should not."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from gatekeeper.deps import discover
from gatekeeper.deps.discover import (
    collect,
    discover_files,
    has_python_project,
    inside_repository,
    is_requirements_lock,
    working_tree_reader,
)
from gatekeeper.deps.env import parse_env
from gatekeeper.deps.interface import ParseContext
from gatekeeper.deps.poetrylock import parse_poetry_lock
from gatekeeper.deps.pylock import parse_pylock
from gatekeeper.deps.pyproject import parse_pyproject
from gatekeeper.deps.requirements import parse_requirements
from gatekeeper.deps.uvlock import parse_uv_lock
from gatekeeper.errors import LockfileError

TOKEN = "hvs.CAESIJsecret-token-value-0123456789"


def repo(tmp_path: Path, files: dict[str, str]) -> Path:
    root = tmp_path / "repo"
    root.mkdir()
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, "utf-8")
    return root


def requirements(root: Path, path: str = "requirements.txt") -> list[object]:
    return list(parse_requirements(path, working_tree_reader(root)))


# --- paths out of the repository -----------------------------------------------------------


@pytest.mark.parametrize("include", ["-r ../vault-token", "-c ../vault-token", "-r /etc/passwd"])
def test_includes_outside_the_repository_are_refused_unread(tmp_path: Path, include: str) -> None:
    (tmp_path / "vault-token").write_text(f"{TOKEN}\n", "utf-8")
    root = repo(tmp_path, {"requirements.txt": f"requests==2.31.0\n{include}\n"})
    with pytest.raises(LockfileError) as err:
        requirements(root)
    text = str(err.value)
    assert "outside the repository" in text and err.value.line == 2
    assert err.value.path == "requirements.txt"
    assert TOKEN not in text and "root:" not in text


def test_a_symlink_out_of_the_repository_is_refused(tmp_path: Path) -> None:
    (tmp_path / "vault-token").write_text(f"{TOKEN}\n", "utf-8")
    root = repo(tmp_path, {"requirements.txt": "-r base.txt\n"})
    (root / "base.txt").symlink_to(tmp_path / "vault-token")
    with pytest.raises(LockfileError, match="outside the repository") as err:
        requirements(root)
    assert TOKEN not in str(err.value)


def test_the_reader_refuses_what_is_not_a_regular_file(tmp_path: Path) -> None:
    root = repo(tmp_path, {})
    os.mkfifo(root / "fifo.txt")
    (root / "zero.txt").symlink_to("/dev/zero")
    read = working_tree_reader(root)
    with pytest.raises(LockfileError, match="not a regular file"):
        read("fifo.txt")  # would block for ever if opened
    with pytest.raises(LockfileError, match="outside the repository"):
        read("zero.txt")
    with pytest.raises(LockfileError, match="outside the repository"):
        read("C:/x.txt")
    (root / "loop.txt").symlink_to(root / "loop.txt")
    with pytest.raises(LockfileError, match="cannot read: RuntimeError|cannot read: OSError"):
        read("loop.txt")


def test_reads_are_bounded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(discover, "MAX_FILE_BYTES", 10)
    root = repo(tmp_path, {"requirements.txt": "requests==2.31.0\n"})
    with pytest.raises(LockfileError, match="larger than"):
        working_tree_reader(root)("requirements.txt")


def _refuse_open(*args: object, **kwargs: object) -> None:
    raise PermissionError(13, "Permission denied")


def test_an_unreadable_file_names_its_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = repo(tmp_path, {"requirements.txt": "x==1\n"})
    monkeypatch.setattr(os, "open", _refuse_open)  # what a mode-000 file does to non-root
    with pytest.raises(LockfileError, match="cannot read: Permission denied") as err:
        working_tree_reader(root)("requirements.txt")
    assert err.value.path == "requirements.txt"


def test_inside_repository() -> None:
    assert inside_repository("a/../b.txt") == "b.txt"
    assert inside_repository("a\\b.txt") == "a/b.txt"
    for path in ("../x", "..", "/etc/passwd", "a/../../x", "C:x"):
        assert inside_repository(path) is None


# --- long, malformed and secret-bearing lines ----------------------------------------------


@pytest.mark.parametrize(
    "line",
    [
        "requests==2.31.0" + " " * 100_000 + "# comment",
        " " * 100_000 + "#",
        "requests" + " " * 100_000 + "==2.31.0",
        "git+https://example.invalid/r.git" + "#" * 100_000,
    ],
)
def test_a_100_kb_line_is_linear(line: str) -> None:
    """pip's ``(^|\\s+)#.*$`` retried from every blank: 20 s on this line. Now milliseconds;
    the test only needs to finish (a quadratic scan would stall the suite)."""
    deps = parse_requirements("r.txt", {"r.txt": line * 3 if line.startswith(" ") else line}.get)
    assert len(deps) <= 1


def test_a_malformed_line_is_cut_short_and_credentials_masked() -> None:
    line = "name[ @ https://user:hunter2@host.invalid/" + "x" * 5000
    with pytest.raises(LockfileError) as err:
        parse_requirements("r.txt", {"r.txt": line}.get)
    text = str(err.value)
    assert "hunter2" not in text and "***@host.invalid" in text
    assert len(text) < 500 and "characters)" in text


def test_editable_and_local_paths_are_reported_as_skipped() -> None:
    files = {"r.txt": "-e .\n./libs/shared\n-e git+https://h.invalid/r.git#egg=pkg\n"}
    context = ParseContext()
    deps = parse_requirements("r.txt", files.get, context=context)
    assert [(d.name, d.url) for d in deps] == [("pkg", "git+https://h.invalid/r.git#egg=pkg")]
    assert [(s.name, s.location.line) for s in context.skipped] == [(".", 1), ("./libs/shared", 2)]
    assert "editable" in context.skipped[0].reason and "own code" in context.skipped[1].reason


# --- discovery ------------------------------------------------------------------------------


RYE_LOCK = """\
# generated by rye
# use `rye lock` or `rye sync` to update this lockfile
#
# last locked with the following flags:
#   pre: false

-e file:.
django==4.2.0
    # via app
"""


def test_requirements_format_lock_files_are_discovered(tmp_path: Path) -> None:
    root = repo(
        tmp_path,
        {
            "requirements-dev.lock": RYE_LOCK,
            "Cargo.lock": "# cargo\nversion = 3\n",
            "pdm.lock": "[metadata]\n",
            "notes.lock": "# nothing but comments\n",
            "other.lock": "[[package]]\n",
            "requirements/ci.lock": "pytest==8.0\n",
        },
    )
    assert discover_files(root) == ["requirements-dev.lock", "requirements/ci.lock"]
    context = ParseContext()
    deps = collect(discover_files(root), working_tree_reader(root), context)
    assert [(d.name, d.version, d.scope) for d in deps] == [
        ("django", "4.2.0", "dev"),
        ("pytest", "8.0", "dev"),
    ]
    assert [s.name for s in context.skipped] == ["file:."]
    (root / "dir.lock").mkdir()
    assert not is_requirements_lock(root / "dir.lock")


def test_an_unreadable_lock_is_not_sniffed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = repo(tmp_path, {"requirements.lock": "x==1\n"})
    assert is_requirements_lock(root / "requirements.lock")
    monkeypatch.setattr(Path, "open", _refuse_open)
    assert not is_requirements_lock(root / "requirements.lock")


@pytest.mark.parametrize(
    "name", ["pyproject.toml", "setup.py", "setup.cfg", "Pipfile", "requirements-dev.lock"]
)
def test_what_makes_a_python_project(tmp_path: Path, name: str) -> None:
    assert not has_python_project(tmp_path)
    (tmp_path / name).write_text("", "utf-8")
    assert has_python_project(tmp_path)


# --- TOML of the wrong types ----------------------------------------------------------------


PY = 'lock-version = "1.0"\n'
PY_PKG = PY + '[[packages]]\nname = "a"\n'
UV = 'version = 1\n[[package]]\nname = "a"\n'
UV_ROOT = UV + 'source = { editable = "." }\n'
POETRY = '[metadata]\nlock-version = "2.0"\n'
POETRY_PKG = POETRY + '[[package]]\nname = "a"\n'
WRONG_TYPES = [
    (parse_pylock, PY + 'default-groups = "x"\n', "default-groups must be an array"),
    (parse_pylock, PY + "packages = [1]\n", r"packages\[0\] must be a table"),
    (parse_pylock, PY_PKG + "version = 1\n", "version must be a string"),
    (parse_pylock, PY_PKG + "wheels = [1]\n", "must be a table"),
    (parse_pylock, PY_PKG + "marker = 3\n", "marker must be a string"),
    (parse_pylock, PY_PKG + "sdist = { hashes = 3 }\n", "hashes must be a table"),
    (parse_uv_lock, UV_ROOT + 'dependencies = "x"\n', "dependencies must be an array"),
    (parse_uv_lock, UV_ROOT + "dependencies = [{ name = 3 }]\n", "name must be a string"),
    (parse_uv_lock, UV_ROOT + 'dependencies = [{ version = "1" }]\n', "non-empty string"),
    (parse_uv_lock, UV + 'source = "editable"\n', "source must be a table"),
    (parse_uv_lock, UV + "optional-dependencies = 1\n", "optional-dependencies must be a"),
    (parse_uv_lock, UV + 'dependencies = [{ name = "b", extra = "x" }]\n', "extra must be"),
    (parse_uv_lock, UV + 'dependencies = [{ name = "b", extra = [1] }]\n', "array of strings"),
    (parse_uv_lock, UV + "source = { directory = 1 }\n", "directory must be a string"),
    (parse_uv_lock, UV + "wheels = [{ hash = 1 }]\n", "hash must be a string"),
    (parse_poetry_lock, POETRY_PKG + 'groups = "main"\n', "groups must be an array"),
    (parse_poetry_lock, POETRY_PKG + "markers = 1\n", "markers must be a string"),
    (parse_poetry_lock, POETRY_PKG + 'files = "x"\n', "files must be an array"),
    (parse_poetry_lock, 'metadata = "x"\n', "metadata must be a table"),
    (parse_poetry_lock, POETRY + '[[package]]\nname = ""\n', "entry 1 has no name"),
    (parse_pyproject, 'tool = "x"\n', r"\[tool\] must be a table"),
    (parse_pyproject, "[tool]\npoetry = 1\n", r"\[tool.poetry\] must be a table"),
    (parse_pyproject, "[tool.poetry.dependencies]\nx = { version = 1 }\n", "must be a string"),
]
_PATHS = {
    parse_pylock: "pylock.toml",
    parse_uv_lock: "uv.lock",
    parse_poetry_lock: "poetry.lock",
    parse_pyproject: "pyproject.toml",
}


@pytest.mark.parametrize(("parser", "text", "message"), WRONG_TYPES)
def test_wrong_toml_types_name_the_file_and_key(
    parser: discover.Parser, text: str, message: str
) -> None:
    path = _PATHS[parser]
    with pytest.raises(LockfileError, match=message) as err:
        parser(path, {path: text}.get)
    assert err.value.path == path


def test_a_wrong_type_names_its_line() -> None:
    text = 'version = 1\n\n[[package]]\nname = "a"\ndependencies = "x"\n'
    with pytest.raises(LockfileError) as err:
        parse_uv_lock("uv.lock", {"uv.lock": text}.get)
    assert err.value.line == 5


def test_poetry_multiple_constraints_are_a_range() -> None:
    text = '[tool.poetry.dependencies]\nx = [{ version = "1.0", python = "<3.9" }]\n'
    (dep,) = parse_pyproject("pyproject.toml", {"pyproject.toml": text}.get)
    assert dep.name == "x" and not dep.pinned


# --- installed environments -----------------------------------------------------------------


def test_metadata_that_is_not_utf8_names_the_distribution(tmp_path: Path) -> None:
    site = tmp_path / "venv" / "lib" / "python3.12" / "site-packages"
    info = site / "broken-1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_bytes(b"Metadata-Version: 2.1\nName: broken\nVersion: 1.0\n\xff\xfe")
    with pytest.raises(LockfileError, match=r"metadata cannot be read \(not UTF-8\)") as err:
        parse_env(tmp_path / "venv")
    assert err.value.path is not None and "broken-1.0.dist-info" in err.value.path


def test_unversioned_lock_entries_without_a_url_are_still_unpinned() -> None:
    pylock = 'lock-version = "1.0"\n[[packages]]\nname = "a"\nindex = "https://pypi.org/simple"\n'
    (dep,) = parse_pylock("pylock.toml", {"pylock.toml": pylock}.get)
    assert not dep.pinned and dep.url == "unversioned lock entry"
    uv = 'version = 1\n[[package]]\nname = "a"\nsource = { registry = "https://pypi.org/simple" }\n'
    (dep,) = parse_uv_lock("uv.lock", {"uv.lock": uv}.get)
    assert not dep.pinned and dep.url == "unversioned lock entry"


def test_a_local_path_in_a_constraints_file_is_not_reported() -> None:
    files = {"r.txt": "-c c.txt\nclick\n", "c.txt": "./local\nclick==8.0\n"}
    context = ParseContext()
    (dep,) = parse_requirements("r.txt", files.get, context=context)
    assert dep.version == "8.0" and context.skipped == []
