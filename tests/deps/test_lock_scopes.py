"""Which lock entries are prod, dev, not for the target, or the project's own code.

The uv.lock below is an extract of a real one (a FastAPI service): ``uvicorn[standard]`` and
``django[bcrypt]`` are prod dependencies whose extras pull in uvloop, httptools, websockets and
bcrypt; uvloop only where its marker holds.
"""

from __future__ import annotations

import pytest

from gatekeeper.deps.interface import ParseContext
from gatekeeper.deps.poetrylock import parse_poetry_lock
from gatekeeper.deps.pylock import parse_pylock
from gatekeeper.deps.uvlock import parse_uv_lock

UV_LOCK = """\
version = 1
revision = 2
requires-python = ">=3.11"

[manifest]
members = ["service", "shared"]

[[package]]
name = "service"
version = "0.1.0"
source = { editable = "." }
dependencies = [
    { name = "django", extra = ["bcrypt"] },
    { name = "shared" },
    { name = "uvicorn", extra = ["standard"] },
    { name = "pywin32", marker = "sys_platform == 'win32'" },
    { name = "vendored" },
]

[package.optional-dependencies]
docs = [{ name = "sphinx" }]

[package.dev-dependencies]
dev = [{ name = "pytest" }]

[[package]]
name = "shared"
version = "0.1.0"
source = { editable = "libs/shared" }
dependencies = [{ name = "idna" }]

[[package]]
name = "vendored"
version = "0.0.0"
source = { directory = "vendor/vendored" }
dependencies = [{ name = "six" }]

[[package]]
name = "outside"
version = "1.0"
source = { directory = "../elsewhere" }

[[package]]
name = "django"
version = "4.2.0"
source = { registry = "https://pypi.org/simple" }
dependencies = [{ name = "asgiref" }]

[package.optional-dependencies]
bcrypt = [{ name = "bcrypt" }]
argon2 = [{ name = "argon2-cffi" }]

[[package]]
name = "uvicorn"
version = "0.30.0"
source = { registry = "https://pypi.org/simple" }
dependencies = [{ name = "h11" }]

[package.optional-dependencies]
standard = [
    { name = "httptools" },
    { name = "uvloop", marker = "sys_platform != 'win32' and sys_platform != 'cygwin'" },
    { name = "websockets" },
]

[[package]]
name = "asgiref"
version = "3.8.1"
source = { registry = "https://pypi.org/simple" }

[[package]]
name = "bcrypt"
version = "4.1.2"
source = { registry = "https://pypi.org/simple" }

[[package]]
name = "argon2-cffi"
version = "23.1.0"
source = { registry = "https://pypi.org/simple" }

[[package]]
name = "h11"
version = "0.14.0"
source = { registry = "https://pypi.org/simple" }

[[package]]
name = "httptools"
version = "0.6.1"
source = { registry = "https://pypi.org/simple" }

[[package]]
name = "uvloop"
version = "0.19.0"
source = { registry = "https://pypi.org/simple" }

[[package]]
name = "websockets"
version = "12.0"
source = { registry = "https://pypi.org/simple" }

[[package]]
name = "idna"
version = "3.7"
source = { registry = "https://pypi.org/simple" }

[[package]]
name = "six"
version = "1.16.0"
source = { registry = "https://pypi.org/simple" }

[[package]]
name = "pywin32"
version = "306"
source = { registry = "https://pypi.org/simple" }

[[package]]
name = "sphinx"
version = "7.0.0"
source = { registry = "https://pypi.org/simple" }

[[package]]
name = "pytest"
version = "8.0.0"
source = { registry = "https://pypi.org/simple" }

[[package]]
name = "from-git"
source = { git = "https://github.com/o/r?rev=v1#abc" }
"""


def test_uv_prod_follows_the_extras_prod_dependencies_ask_for() -> None:
    linux = ParseContext(environment={"sys_platform": "linux"})
    deps = parse_uv_lock("uv.lock", {"uv.lock": UV_LOCK}.get, context=linux)
    scopes = {d.name: d.scope for d in deps}
    for name in ("django", "bcrypt", "asgiref", "uvicorn", "h11", "httptools", "uvloop"):
        assert scopes[name] == "prod", name
    for name in ("websockets", "idna", "six"):
        assert scopes[name] == "prod", name
    # Extras nobody asked for, the project's own extras and dev groups are dev.
    assert scopes["argon2-cffi"] == "dev"
    assert scopes["sphinx"] == "dev" and scopes["pytest"] == "dev"
    # pywin32 only installs on Windows; the in-repo directory is the project's own code.
    assert "pywin32" not in scopes and linux.not_for_target == 1
    assert [(s.name, s.location.line) for s in linux.skipped] == [("vendored", 33)]
    assert "own code" in linux.skipped[0].reason
    # A directory outside the repository and a git source without a version: unpinned URLs.
    urls = {d.name: d.url for d in deps if not d.pinned}
    assert urls == {
        "outside": "directory ../elsewhere",
        "from-git": "https://github.com/o/r?rev=v1#abc",
    }
    assert scopes["from-git"] == "dev"  # nothing depends on it


def test_uv_markers_follow_the_target() -> None:
    windows = ParseContext(environment={"sys_platform": "win32"})
    deps = parse_uv_lock("uv.lock", {"uv.lock": UV_LOCK}.get, context=windows)
    names = {d.name for d in deps}
    assert "pywin32" in names and "uvloop" not in names and windows.not_for_target == 1


def test_uv_versions_on_edges_pick_one_of_two_forks() -> None:
    text = """\
version = 1
[[package]]
name = "app"
source = { virtual = "." }
dependencies = [
    { name = "numpy", version = "1.24.4", marker = "python_full_version < '3.9'" },
    { name = "numpy", version = "2.0.0", marker = "python_full_version >= '3.9'" },
]
[[package]]
name = "numpy"
version = "1.24.4"
[[package]]
name = "numpy"
version = "2.0.0"
"""
    context = ParseContext(environment={"python_full_version": "3.12.0"})
    deps = parse_uv_lock("uv.lock", {"uv.lock": text}.get, context=context)
    assert [(d.name, d.version) for d in deps] == [("numpy", "2.0.0")]
    assert context.not_for_target == 1


POETRY_LOCK = """\
[[package]]
name = "colorama"
version = "0.4.6"
groups = ["main", "dev"]
markers = "sys_platform == \\"win32\\""

[[package]]
name = "pytest-xdist"
version = "3.5.0"
groups = ["dev"]
markers = { dev = "sys_platform != \\"win32\\"" }

[[package]]
name = "uvloop"
version = "0.19.0"
groups = ["main"]
markers = { main = "sys_platform != \\"win32\\"" }

[[package]]
name = "nogroups"
version = "1.0"
groups = []

[[package]]
name = "shared"
version = "0.1.0"
groups = ["main"]

[package.source]
type = "directory"
url = "libs/shared"

[[package]]
name = "sibling"
version = "0.1.0"
groups = ["main"]

[package.source]
type = "directory"
url = "../sibling"

[[package]]
name = "lib"
version = "2.0"
groups = ["main"]

[package.source]
type = "git"
url = "https://github.com/o/lib.git"

[metadata]
lock-version = "2.1"
"""


@pytest.mark.parametrize(
    ("platform", "expected", "not_for_target"),
    [
        (
            "linux",
            [("pytest-xdist", "dev"), ("uvloop", "prod"), ("nogroups", "prod")],
            1,
        ),
        ("win32", [("colorama", "prod"), ("nogroups", "prod")], 2),
    ],
)
def test_poetry_markers_are_evaluated(
    platform: str, expected: list[tuple[str, str]], not_for_target: int
) -> None:
    context = ParseContext(environment={"sys_platform": platform})
    deps = parse_poetry_lock("poetry.lock", {"poetry.lock": POETRY_LOCK}.get, context=context)
    got = [(d.name, d.scope) for d in deps]
    assert got[: len(expected)] == expected
    assert [d.name for d in deps[len(expected) :]] == ["sibling", "lib"]  # audited by version
    assert context.not_for_target == not_for_target
    assert [s.name for s in context.skipped] == ["shared"]


PYLOCK = """\
lock-version = "1.0"
default-groups = ["default"]
dependency-groups = ["default", "dev"]

[[packages]]
name = "django"
version = "4.2.0"
marker = "'dev' not in dependency_groups"

[[packages]]
name = "pytest"
version = "8.0.0"
marker = "'dev' in dependency_groups"

[[packages]]
name = "pywin32"
version = "306"
marker = "sys_platform == 'win32' and 'dev' in dependency_groups"

[[packages]]
name = "docs-theme"
version = "1.0"
marker = "'docs' in extras"
"""


def test_pylock_markers_are_lock_file_markers() -> None:
    """``'dev' not in dependency_groups`` is installed by default: prod, not dev."""
    context = ParseContext(environment={"sys_platform": "linux"})
    deps = parse_pylock("pylock.toml", {"pylock.toml": PYLOCK}.get, context=context)
    assert [(d.name, d.scope) for d in deps] == [
        ("django", "prod"),
        ("pytest", "dev"),
        ("docs-theme", "dev"),
    ]
    assert context.not_for_target == 1


def test_pylock_directories_inside_the_repository_are_the_project() -> None:
    lock = (
        'lock-version = "1.0"\n'
        '[[packages]]\nname = "app"\nversion = "1.0"\ndirectory = { path = "." }\n'
        '[[packages]]\nname = "lib"\ndirectory = { path = "../lib" }\n'
        '[[packages]]\nname = "odd"\ndirectory = { editable = true }\n'
    )
    context = ParseContext()
    deps = parse_pylock("pylock.toml", {"pylock.toml": lock}.get, context=context)
    assert [s.name for s in context.skipped] == ["app"]
    assert [(d.name, d.url) for d in deps] == [("lib", "../lib"), ("odd", "directory source")]
