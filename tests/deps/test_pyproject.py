from __future__ import annotations

import pytest

from gatekeeper.deps.pyproject import parse_pyproject
from gatekeeper.errors import LockfileError

PYPROJECT = """\
[project]
name = "app"
dependencies = [
  "PyYAML==5.3.1",
  'requests>=2',
  "named @ https://example.invalid/named-1.0.tar.gz",
]

[project.optional-dependencies]
service = ["fastapi==0.100.0"]

[dependency-groups]
test = ["pytest==7.0", {include-group = "lint"}]
lint = ["ruff"]

[tool.poetry.dependencies]
python = "^3.11"
click = "8.1.0"
attrs = "^21.0"
cattrs = {version = ">=22"}
anything = "*"

[tool.poetry.dev-dependencies]
black = "==23.1.0"

[tool.poetry.group.main.dependencies]
rich = "13.0.0"

[tool.poetry.group.docs.dependencies]
sphinx = "~7"
"""


def test_project_extras_groups_and_poetry() -> None:
    deps = parse_pyproject("pyproject.toml", {"pyproject.toml": PYPROJECT}.get)
    got = [(d.name, d.version, d.scope, d.location.line) for d in deps]
    assert got == [
        ("pyyaml", "5.3.1", "prod", 4),
        ("requests", None, "prod", 5),
        ("named", None, "prod", 6),
        ("fastapi", "0.100.0", "dev", 10),
        ("pytest", "7.0", "dev", 13),
        ("ruff", None, "dev", 14),
        ("click", "8.1.0", "prod", 18),
        ("attrs", None, "prod", 19),
        ("cattrs", None, "prod", 20),
        ("anything", None, "prod", 21),
        ("black", "23.1.0", "dev", 24),
        ("rich", "13.0.0", "prod", 27),
        ("sphinx", None, "dev", 30),
    ]
    assert all(d.source == "pyproject" for d in deps)
    assert deps[2].url == "https://example.invalid/named-1.0.tar.gz"
    assert deps[8].specifier == ">=22"


def test_empty_and_tool_without_poetry() -> None:
    text = '[project]\nname = "x"\n[tool.other]\na = 1\n'
    assert parse_pyproject("pyproject.toml", {"pyproject.toml": text}.get) == []


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ('[project]\ndependencies = "x"\n', 1, "project.dependencies must be an array"),
        ("[project]\ndependencies = [\n  'ok',\n  'bad ==',\n]\n", 4, "malformed requirement"),
        ("project = 3\n", 1, "[project] must be a table"),
        ("[project\n", 1, "malformed TOML"),
        ("[tool.poetry]\ndependencies = 3\n", 1, "[tool.poetry.dependencies] must be a table"),
        ("[tool.poetry]\ngroup = 3\n", 1, "[tool.poetry.group] must be a table"),
    ],
)
def test_errors_name_file_and_line(text: str, line: int, message: str) -> None:
    with pytest.raises(LockfileError) as err:
        parse_pyproject("pyproject.toml", {"pyproject.toml": text}.get)
    assert err.value.path == "pyproject.toml"
    assert err.value.line == line
    assert message in str(err.value)


def test_missing() -> None:
    with pytest.raises(LockfileError, match="not found"):
        parse_pyproject("pyproject.toml", dict[str, str]().get)
