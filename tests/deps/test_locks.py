from __future__ import annotations

import pytest

from gatekeeper.deps.interface import ParseContext
from gatekeeper.deps.poetrylock import parse_poetry_lock
from gatekeeper.deps.pylock import parse_pylock
from gatekeeper.deps.toml_util import LineFinder
from gatekeeper.deps.uvlock import parse_uv_lock
from gatekeeper.errors import LockfileError

PYLOCK = """\
lock-version = "1.0"
requires-python = ">=3.11"
dependency-groups = ["dev", "docs"]
default-groups = ["docs"]
created-by = "uv"

[[packages]]
name = "app"
directory = { path = ".", editable = true }

[[packages]]
name = "PyYAML"
version = "5.3.1"
index = "https://pypi.org/simple"
sdist = { url = "https://x.invalid/PyYAML-5.3.1.tar.gz", hashes = { sha256 = "aaa" } }
wheels = [
  { url = "https://x.invalid/PyYAML-5.3.1-cp311-none-any.whl", hashes = { sha256 = "bbb" } },
]

[[packages]]
name = 'pytest'
version = "7.0.0"
marker = "'dev' in dependency_groups"

[[packages]]
name = "sphinx"
version = "7.0.0"
marker = "'docs' in dependency_groups"

[[packages]]
name = "from-git"
vcs = { type = "git", url = "https://example.invalid/r.git", commit-id = "abc" }

[[packages]]
name = "from-archive"
archive = { url = "https://example.invalid/a.tar.gz", hashes = { sha256 = "ccc" } }

[[packages]]
name = "colorama"
version = "0.4.6"
marker = "sys_platform == 'win32'"
"""


def test_pylock() -> None:
    windows = ParseContext(environment={"sys_platform": "win32"})
    deps = parse_pylock("pylock.toml", {"pylock.toml": PYLOCK}.get, context=windows)
    got = [(d.name, d.version, d.scope, d.location.line, d.url) for d in deps]
    assert got == [
        ("pyyaml", "5.3.1", "prod", 12, None),
        ("pytest", "7.0.0", "dev", 21, None),
        ("sphinx", "7.0.0", "prod", 26, None),
        ("from-git", None, "prod", 31, "https://example.invalid/r.git"),
        ("from-archive", None, "prod", 35, "https://example.invalid/a.tar.gz"),
        ("colorama", "0.4.6", "prod", 39, None),
    ]
    assert [(s.name, s.location.line) for s in windows.skipped] == [("app", 8)]
    linux = ParseContext(environment={"sys_platform": "linux"})
    deps = parse_pylock("pylock.toml", {"pylock.toml": PYLOCK}.get, context=linux)
    assert "colorama" not in {d.name for d in deps} and linux.not_for_target == 1
    assert deps[0].hashes == ("sha256:bbb", "sha256:aaa")
    assert deps[0].pinned and deps[0].specifier == "==5.3.1"
    assert deps[0].source == "pylock"
    assert deps[4].hashes == ("sha256:ccc",)


@pytest.mark.parametrize(
    ("text", "line"),
    [('lock-version = "2.0"\n', 1), ('created-by = "x"\n', 1), ("a = 1\nlock-version = []\n", 2)],
)
def test_pylock_unknown_version(text: str, line: int) -> None:
    with pytest.raises(LockfileError) as err:
        parse_pylock("pylock.toml", {"pylock.toml": text}.get)
    assert err.value.path == "pylock.toml" and err.value.line == line
    assert "unsupported lock format version" in str(err.value)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('lock-version = "1.0"\npackages = 3\n', "packages must be an array"),
        ('lock-version = "1.0"\n[[packages]]\nversion = "1"\n', "entry 1 has no name"),
        ('lock-version = "1.0"\n[[packages\n', "malformed TOML"),
    ],
)
def test_pylock_bad_structure(text: str, message: str) -> None:
    with pytest.raises(LockfileError, match=message.replace("[", r"\[")):
        parse_pylock("pylock.toml", {"pylock.toml": text}.get)


UV_LOCK = """\
version = 1
revision = 2
requires-python = ">=3.11"

[[package]]
name = "app"
version = "0.1.0"
source = { editable = "." }
dependencies = [{ name = "requests" }]

[package.optional-dependencies]
yaml = [{ name = "pyyaml" }]

[package.dev-dependencies]
dev = [{ name = "pytest" }]

[[package]]
name = "requests"
version = "2.19.0"
source = { registry = "https://pypi.org/simple" }
dependencies = [{ name = "urllib3" }, { name = "urllib3" }]
sdist = { url = "https://x.invalid/requests-2.19.0.tar.gz", hash = "sha256:r1", size = 1 }
wheels = [{ url = "https://x.invalid/requests-2.19.0-py3-none-any.whl", hash = "sha256:r2" }]

[[package]]
name = "urllib3"
version = "1.24.1"
source = { registry = "https://pypi.org/simple" }

[[package]]
name = "PyYAML"
version = "5.3.1"
source = { registry = "https://pypi.org/simple" }

[[package]]
name = "pytest"
version = "7.0.0"
source = { registry = "https://pypi.org/simple" }
dependencies = [{ name = "urllib3" }]
"""


def test_uv_lock_classifies_by_reachability() -> None:
    deps = parse_uv_lock("uv.lock", {"uv.lock": UV_LOCK}.get)
    got = [(d.name, d.version, d.scope, d.location.line) for d in deps]
    assert got == [
        ("requests", "2.19.0", "prod", 18),
        ("urllib3", "1.24.1", "prod", 26),
        ("pyyaml", "5.3.1", "dev", 31),
        ("pytest", "7.0.0", "dev", 36),
    ]
    assert deps[0].hashes == ("sha256:r2", "sha256:r1")
    assert deps[0].source == "uv.lock"


def test_uv_lock_without_root_is_all_prod() -> None:
    text = 'version = 1\n[[package]]\nname = "x"\nversion = "1"\n'
    (dep,) = parse_uv_lock("uv.lock", {"uv.lock": text}.get)
    assert dep.scope == "prod"


def test_uv_lock_unknown_version_and_missing() -> None:
    with pytest.raises(LockfileError) as err:
        parse_uv_lock("uv.lock", {"uv.lock": "# header\nversion = 2\n"}.get)
    assert err.value.line == 2 and "unsupported lock format version 2" in str(err.value)
    with pytest.raises(LockfileError, match="lock file not found"):
        parse_uv_lock("uv.lock", dict[str, str]().get)
    with pytest.raises(LockfileError, match="lock file not found"):
        parse_pylock("pylock.toml", dict[str, str]().get)
    with pytest.raises(LockfileError, match="lock file not found"):
        parse_poetry_lock("poetry.lock", dict[str, str]().get)


POETRY_1 = """\
[[package]]
name = "PyYAML"
version = "5.3.1"
category = "main"
optional = false

[[package]]
name = "pytest"
version = "7.0.0"
category = "dev"

[metadata]
lock-version = "1.1"
"""

POETRY_2 = """\
[[package]]
name = "pyyaml"
version = "5.3.1"
groups = ["main", "dev"]
files = [
    {file = "PyYAML-5.3.1.tar.gz", hash = "sha256:aaa"},
]

[[package]]
name = "pytest"
version = "7.0.0"
groups = ["dev"]

[[package]]
name = "nogroups"
version = "1.0"

[metadata]
lock-version = "2.1"
"""


def test_poetry_lock_both_formats() -> None:
    one = parse_poetry_lock("poetry.lock", {"poetry.lock": POETRY_1}.get)
    assert [(d.name, d.scope, d.location.line) for d in one] == [
        ("pyyaml", "prod", 2),
        ("pytest", "dev", 8),
    ]
    two = parse_poetry_lock("poetry.lock", {"poetry.lock": POETRY_2}.get)
    assert [(d.name, d.scope) for d in two] == [
        ("pyyaml", "prod"),
        ("pytest", "dev"),
        ("nogroups", "prod"),
    ]
    assert two[0].hashes == ("sha256:aaa",) and two[0].source == "poetry.lock"


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ('[[package]]\nname = "x"\n[metadata]\nlock-version = "3.0"\n', 4),
        ('[[package]]\nname = "x"\n', 1),
        ('metadata = "odd"\n', 1),
    ],
)
def test_poetry_lock_unknown_version(text: str, line: int) -> None:
    with pytest.raises(LockfileError) as err:
        parse_poetry_lock("poetry.lock", {"poetry.lock": text}.get)
    assert err.value.path == "poetry.lock" and err.value.line == line


def test_line_finder() -> None:
    finder = LineFinder('x = "a"\ny = "b"\n')
    assert finder.find('"a"', 2) == 1  # wraps around
    assert finder.find("zzz", 2) == 2
    assert finder.quoted("b") == 2
    assert finder.quoted("zzz", 1) == 1
    assert finder.header(r"^nothing") == 1
    assert finder.assignment("y", "b") == 2
    assert finder.assignment("y", "zzz", 2) == 2
