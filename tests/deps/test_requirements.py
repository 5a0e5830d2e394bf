from __future__ import annotations

import pytest
from packaging.specifiers import SpecifierSet

from gatekeeper.deps.requirements import (
    logical_lines,
    parse_requirements,
    pinned_version,
    scope_for_path,
)
from gatekeeper.errors import LockfileError
from gatekeeper.model import Location


def parse(tree: dict[str, str], path: str = "requirements.txt"):
    return parse_requirements(path, tree.get)


def test_pins_extras_markers_hashes_and_continuations() -> None:
    text = (
        "# a comment\n"
        "\n"
        "PyYAML==5.3.1 \\\n"
        "    --hash=sha256:aaa \\\n"
        "    --hash sha256:bbb\n"
        "requests[socks,security]==2.19.0 ; python_version >= '3.8'  # inline comment\n"
        "Django>=3.2,<4\n"
        "urllib3===1.26.0\n"
        "six==1.*\n"
    )
    deps = parse({"requirements.txt": text})
    assert [(d.name, d.version, d.pinned) for d in deps] == [
        ("pyyaml", "5.3.1", True),
        ("requests", "2.19.0", True),
        ("django", None, False),
        ("urllib3", "1.26.0", True),
        ("six", None, False),
    ]
    yaml, requests, django = deps[:3]
    assert yaml.hashes == ("sha256:aaa", "sha256:bbb")
    assert yaml.location == Location("requirements.txt", 3)
    assert yaml.raw_name == "PyYAML"
    assert yaml.scope == "prod" and yaml.source == "requirements"
    assert requests.extras == ("security", "socks")
    assert requests.marker == 'python_version >= "3.8"'
    assert requests.location.line == 6
    assert django.specifier == "<4,>=3.2"


def test_includes_constraints_and_dev_scope() -> None:
    tree = {
        "requirements.txt": "-r requirements/base.txt\n--requirement=requirements-dev.txt\n"
        "-c constraints.txt\nflask\n",
        "requirements/base.txt": "-rcommon.txt\nclick==8.0.0\n-r ../requirements.txt\n",
        "requirements/common.txt": "attrs==21.0\n",
        "requirements-dev.txt": "pytest==7.0\n-r requirements/lint.txt\n",
        "requirements/lint.txt": "ruff==0.1\n",
        "constraints.txt": "flask==2.0.1\nclick==9\nnot-required==1.0\nranged>=1\n",
    }
    deps = {d.name: d for d in parse(tree)}
    assert deps["attrs"].location == Location("requirements/common.txt", 1)
    assert deps["click"].version == "8.0.0" and deps["click"].scope == "prod"
    assert deps["pytest"].scope == "dev"
    assert deps["ruff"].scope == "dev"  # included from a dev file: dev
    flask = deps["flask"]
    assert flask.pinned and flask.version == "2.0.1"
    assert flask.location == Location("constraints.txt", 1)  # the pin lives there
    assert "not-required" not in deps and "ranged" not in deps


def test_constraint_conflicting_with_the_requirement_is_an_error() -> None:
    tree = {"r.txt": "-c c.txt\nflask<2\n", "c.txt": "flask==2.0.1\n"}
    with pytest.raises(LockfileError) as err:
        parse(tree, "r.txt")
    assert err.value.path == "c.txt" and err.value.line == 1
    assert "conflicts" in str(err.value)


def test_constraint_within_the_specifier_pins_it() -> None:
    tree = {"r.txt": "-c c.txt\nflask<3\n", "c.txt": "flask==2.0.1\n"}
    (dep,) = parse(tree, "r.txt")
    assert dep.version == "2.0.1"


def test_urls_editables_and_local_paths() -> None:
    text = (
        "-e .\n"
        "-e git+https://example.invalid/repo.git#egg=editable-pkg\n"
        ".\n"
        "./libs/local\n"
        "https://files.example.invalid/pkgs/some_pkg-1.0-py3-none-any.whl\n"
        "https://files.example.invalid/archive/\n"
        "named @ https://files.example.invalid/named-1.0.tar.gz\n"
        "--index-url https://pypi.example.invalid/simple\n"
        "--extra-index-url=https://other.example.invalid/simple\n"
        "--pre\n--no-index\n--prefer-binary\n--require-hashes\n-f ./wheels\n--trusted-host h\n"
        "--only-binary :all:\n--no-binary=:none:\n--use-feature x\n-i https://x.invalid/simple\n"
    )
    deps = parse({"requirements.txt": text})
    assert [(d.name, d.pinned, d.url is not None) for d in deps] == [
        ("editable-pkg", False, True),
        ("some-pkg", False, True),
        ("archive", False, True),
        ("named", False, True),
    ]


def test_url_without_a_name_part_keeps_the_url() -> None:
    (dep,) = parse({"r.txt": "https://-9/\n"}, "r.txt")
    assert dep.url == "https://-9/" and dep.raw_name == "https://-9/"


def test_editable_in_constraints_is_ignored_and_cycles_stop() -> None:
    tree = {
        "a.txt": "-c b.txt\n-r a.txt\nx==1\n",
        "b.txt": "-e git+https://example.invalid/r.git#egg=y\nx==1\n-c b.txt\n",
    }
    assert [d.name for d in parse(tree, "a.txt")] == ["x"]


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("ok==1\nrequests==\n", 2, "malformed requirement 'requests=='"),
        ("ok==1\nbad==1..0\n", 2, "malformed requirement 'bad==1..0'"),
        ("ok==1\n\nfoo bar baz\n", 3, "malformed requirement"),
        ("-r\n", 1, "-r needs a file name"),
        ("-e\n", 1, "-e needs a path or URL"),
        ("--index-url\n", 1, "--index-url needs a value"),
        ("--frobnicate\n", 1, "unknown option '--frobnicate'"),
        ("-r missing.txt\n", 1, "included file 'missing.txt' not found"),
        ("x==1 --hash\n", 1, "--hash needs a value"),
        ("x==1 --hash=md5\n", 1, "expected ALGORITHM:DIGEST"),
        ("x==1 --hash=sha256:a --bogus=1\n", 1, "unknown per-requirement option"),
        ("x==1 --hash='sha256:a\n", 1, "malformed requirements line"),
        ("-r 'unclosed\n", 1, "malformed requirements line"),
        ("a==1\nb==2 \\\n  ==3\n", 2, "malformed requirement"),
    ],
)
def test_malformed_lines_name_file_and_line(text: str, line: int, message: str) -> None:
    with pytest.raises(LockfileError) as err:
        parse({"requirements.txt": text})
    assert err.value.path == "requirements.txt"
    assert err.value.line == line
    assert message in str(err.value)
    assert str(err.value).startswith(f"requirements.txt:{line}: ")


def test_per_requirement_options_other_than_hash_are_accepted() -> None:
    (dep,) = parse({"r.txt": "x==1 --config-settings key=value --global-option=--quiet\n"}, "r.txt")
    assert dep.hashes == ()


def test_missing_top_level_file() -> None:
    with pytest.raises(LockfileError, match="requirements file not found"):
        parse({}, "nope.txt")


def test_trailing_backslash_at_end_of_file() -> None:
    lines = logical_lines("a==1 \\\n", "r.txt")
    assert [(x.line, x.text) for x in lines] == [(1, "a==1")]
    assert logical_lines("# only \\\n", "r.txt") == []


@pytest.mark.parametrize(
    ("path", "scope"),
    [
        ("requirements.txt", "prod"),
        ("requirements-dev.txt", "dev"),
        ("requirements_test.txt", "dev"),
        ("requirements-dev-lint.txt", "dev"),
        ("dev-requirements.txt", "dev"),
        ("requirements/dev.txt", "dev"),
        ("requirements/base.txt", "prod"),
        ("requirements-device.txt", "prod"),
        ("sub\\requirements-dev.txt", "dev"),
    ],
)
def test_scope_for_path(path: str, scope: str) -> None:
    assert scope_for_path(path) == scope


def test_explicit_scope_wins() -> None:
    (dep,) = parse_requirements("requirements.txt", {"requirements.txt": "x==1\n"}.get, "dev")
    assert dep.scope == "dev"


@pytest.mark.parametrize(
    ("spec", "version"),
    [
        ("==1.0", "1.0"),
        ("===1.0", "1.0"),
        ("==1.*", None),
        (">=1", None),
        ("", None),
        ("==1,<2", None),
    ],
)
def test_pinned_version(spec: str, version: str | None) -> None:
    assert pinned_version(SpecifierSet(spec)) == version
