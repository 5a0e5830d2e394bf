"""Bad coverage input: every unreadable file is an InputError that names it (exit 2)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from gatekeeper.errors import InputError, PolicyError
from gatekeeper.gates.coverage.data import PathMap, locate, parse_json, parse_xml, read_report
from gatekeeper.gates.coverage.findings import (
    Fingerprints,
    floor2,
    meets,
    percent,
    pragma_findings,
    ranges,
)
from gatekeeper.gates.coverage.measure import coverage_argv, read_repo_config
from gatekeeper.policy.model import Policy
from gatekeeper.policy.validate import from_mapping
from tests.gates.coverage.conftest import RunGate, full_project, write
from tests.helpers import run_cli

PATTERNS = (
    r"#\s*(pragma|PRAGMA)[:\s]?\s*(no|NO)\s*(cover|COVER)",
    "if TYPE_CHECKING:",
    r"\.\.\.$",
)


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        (".coverage", b"not a database at all" * 10, "unreadable coverage data: Couldn't use"),
        ("coverage.json", b"{nope", "not JSON"),
        ("coverage.json", b"\xff\xfe", "UnicodeDecodeError"),
        ("coverage.json", b"[]", "the document is not an object"),
        ("coverage.json", b'{"files": []}', "files is not an object"),
        ("coverage.json", b'{"files": {"a.py": 1}}', "files['a.py'] is not an object"),
        (
            "coverage.json",
            b'{"files": {"a.py": {"executed_lines": [true], "missing_lines": []}}}',
            "a.py: executed_lines is not a list of line numbers",
        ),
        (
            "coverage.json",
            b'{"files": {"a.py": {"executed_lines": [], "missing_lines": [],'
            b' "missing_branches": {}}}}',
            "a.py: missing_branches is not a list of",
        ),
        (
            "coverage.json",
            b'{"files": {"a.py": {"executed_lines": [], "missing_lines": [],'
            b' "missing_branches": [[1, 2, 3]]}}}',
            "a.py: missing_branches is not a list of",
        ),
        ("coverage.json", b'{"meta": 3, "files": {}}', "meta is not an object"),
        ("coverage.xml", b"<coverage><unclosed></coverage>", "malformed XML"),
        ("coverage.xml", b"<report/>", "root element is <report>"),
        ("coverage.xml", b"<coverage><class/></coverage>", "<class> without a filename"),
        (
            "coverage.xml",
            b'<coverage><class filename="a.py"><line number="x"/></class></coverage>',
            "line number 'x' is not a number",
        ),
        (
            "coverage.xml",
            b'<?xml version="1.0"?><!DOCTYPE coverage [<!ENTITY a "aaaa">]>'
            b"<coverage>&a;</coverage>",
            "XML with a DTD or entities is refused",
        ),
    ],
)
def test_unreadable_data_is_an_input_error(
    tmp_path: Path, run_gate: RunGate, name: str, content: bytes, message: str
) -> None:
    root = full_project(tmp_path)
    (root / name).write_bytes(content)
    with pytest.raises(InputError, match=message.replace("[", r"\[").replace("(", r"\(")) as info:
        run_gate(root, data=name)
    assert info.value.path is not None and info.value.path.endswith(name)


@pytest.mark.parametrize("name", [".coverage", "coverage.json", "coverage.xml"])
def test_missing_data_file(tmp_path: Path, run_gate: RunGate, name: str) -> None:
    root = full_project(tmp_path)
    with pytest.raises(InputError, match="coverage data file not found") as info:
        run_gate(root, data=name)
    assert str(info.value).startswith(str(root / name))


def test_unreadable_data_directory(tmp_path: Path, run_gate: RunGate) -> None:
    root = full_project(tmp_path)
    for name in ("coverage.json", "coverage.xml"):
        (root / name).mkdir()
        with pytest.raises(InputError, match="not a regular file"):
            run_gate(root, data=name)


def test_xml_line_reports_error_position(tmp_path: Path) -> None:
    with pytest.raises(InputError) as info:
        parse_xml(b"<coverage>\n<a>\n</coverage>", tmp_path / "c.xml", PathMap(tmp_path))
    assert info.value.line == 3


def test_xml_branches_and_sources(tmp_path: Path) -> None:
    write(tmp_path, {"src/pkg/m.py": "x\n"})
    doc = (
        b'<coverage branch-rate="1" branches-valid="0"><sources><source>/elsewhere/src</source>'
        b"</sources><class filename='pkg/m.py'><lines>"
        b'<line number="1" hits="1" branch="true" condition-coverage="50% (1/2)"'
        b' missing-branches="3,-1"/><line number="2" hits="0"/></lines></class>'
        b"<class filename='/outside/x.py'/></coverage>"
    )
    result = parse_xml(doc, tmp_path / "c.xml", PathMap(tmp_path))
    assert result.branch_measured is True
    (cov,) = result.files.values()
    assert cov.path == "src/pkg/m.py"
    assert (cov.branches, cov.branches_covered) == (2, 1)
    assert cov.missing_branches == ((1, -1), (1, 3))
    assert cov.statements == {1, 2} and cov.missing == {2}
    not_measured = parse_xml(b'<coverage branch-rate="0"/>', tmp_path / "c.xml", PathMap(tmp_path))
    assert not_measured.branch_measured is False


def test_locate(tmp_path: Path) -> None:
    write(tmp_path, {"pkg/a.py": "", "b.py": "", ".venv/lib/site-packages/c.py": ""})
    root = tmp_path
    assert locate(str(root / "pkg" / "a.py"), root) == "pkg/a.py"
    assert locate("pkg/a.py", root) == "pkg/a.py"
    assert locate("/ci/checkout/pkg/a.py", root) == "pkg/a.py"
    assert locate(str(root / "pkg" / "gone.py"), root) is None
    assert locate("/usr/lib/python3/os_missing.py", root) is None
    assert locate("a.py", root, (Path("/ci/checkout/pkg"),)) == "pkg/a.py"
    assert locate("pkg/../b.py", root) == "b.py"
    assert locate("/venv/lib/python3.11/site-packages/pkg/a.py", root) is None
    assert locate(".venv/lib/site-packages/c.py", root) is None
    assert locate(str(Path(sys.prefix) / "lib" / "pkg" / "a.py"), root) is None


def test_json_outside_files_are_ignored(tmp_path: Path) -> None:
    doc = '{"files": {"/nowhere/x.py": {"executed_lines": [1], "missing_lines": []}}}'
    result = parse_json(doc, tmp_path / "c.json", PathMap(tmp_path))
    assert result.files == {} and result.branch_measured is False


def test_pragma_needs_a_reason(tmp_path: Path) -> None:
    text = (
        "import typing\n"
        "if TYPE_CHECKING:  # typing only\n"
        "    pass\n"
        "def a():  # pragma: no cover\n"
        "    pass\n"
        "def b():  # pragma: no cover - the OS calls this\n"
        "    pass\n"
        "def c():  # pragma: no cover  # noqa: E501\n"
        "    pass\n"
        "def d():  # pragma: no cover: ok\n"
        "    pass\n"
        "s = '# pragma: no cover'  # a string is not a comment\n"
        "def e():  # pragma: no cover\n"
        "    pass\n"
        "x = 1  # and then...\n"
    )
    found = pragma_findings("m.py", text, PATTERNS, Fingerprints())
    assert [(str(f.location), f.rule_id) for f in found] == [
        ("m.py:4:11", "GK-COV-005"),
        ("m.py:8:11", "GK-COV-005"),
        ("m.py:10:11", "GK-COV-005"),
        ("m.py:13:11", "GK-COV-005"),
    ]
    assert found[0].fingerprint != found[3].fingerprint  # same text, second occurrence


def test_untokenizable_source_is_an_input_error(tmp_path: Path, run_gate: RunGate) -> None:
    write(tmp_path, {"pkg/m.py": 'x = """never closed\n'})
    (tmp_path / "coverage.json").write_text(
        '{"files": {"pkg/m.py": {"executed_lines": [1], "missing_lines": []}}}'
    )
    with pytest.raises(InputError, match="cannot tokenize") as info:
        run_gate(tmp_path, data="coverage.json", branches=0)
    assert info.value.path == "pkg/m.py"


def test_undecodable_source_is_an_input_error(tmp_path: Path, run_gate: RunGate) -> None:
    (tmp_path / "m.py").write_bytes(b"x = '\xff'\n")
    (tmp_path / "coverage.json").write_text(
        '{"files": {"m.py": {"executed_lines": [1], "missing_lines": []}}}'
    )
    with pytest.raises(InputError, match="cannot read source file: UnicodeDecodeError"):
        run_gate(tmp_path, data="coverage.json", branches=0)


def test_repo_config_sources(tmp_path: Path) -> None:
    assert read_repo_config(tmp_path).file is None
    write(
        tmp_path, {"setup.cfg": "[metadata]\nname = x\n", "tox.ini": "[coverage:run]\nsource = a\n"}
    )
    config = read_repo_config(tmp_path)
    assert (config.file, config.source) == ("tox.ini", ("a",))
    write(tmp_path, {".coveragerc": "[report]\nexclude_also =\n    never\nomit = x/*\n"})
    config = read_repo_config(tmp_path)
    assert config.file == ".coveragerc" and "never" in config.exclude and config.omit == ("x/*",)


def test_invalid_repo_config(tmp_path: Path, run_gate: RunGate) -> None:
    write(tmp_path, {".coveragerc": "[run\nbranch = yes\n"})
    with pytest.raises(InputError, match="invalid coverage configuration") as info:
        run_gate(tmp_path, data="coverage.json")
    assert info.value.path == str(tmp_path / ".coveragerc")


def test_numbers() -> None:
    assert percent(0, 0) == 100
    assert floor2(percent(99999, 100000)) == 99.99
    assert not meets(percent(9999, 10000), 100.0)
    assert meets(percent(9999, 10000), 99.99)
    assert not meets(percent(99989, 100000), 99.99)
    assert ranges([1, 2, 4, 6, 7], frozenset({2, 4, 7})) == [(2, 4), (7, 7)]
    assert ranges([1, 2], frozenset({1})) == [(1, 1)]


def test_coverage_argv(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(Path(sys.executable).parent), prepend=os.pathsep)
    argv = coverage_argv(["python", "-m", "pytest", "-x"], Path("/t/.coverage"), sys.executable)
    assert argv[1:] == [
        "-m",
        "coverage",
        "run",
        "--branch",
        "--data-file=/t/.coverage",
        "-m",
        "pytest",
        "-x",
    ]
    assert argv[0] == sys.executable
    own = coverage_argv(
        ["/opt/py/bin/python3.12", "tests/run.py"], Path("/t/.coverage"), sys.executable
    )
    assert own[0] == "/opt/py/bin/python3.12" and own[-1] == "tests/run.py"
    script = coverage_argv(["pytest"], Path("/t/.coverage"), sys.executable)
    assert script[0] == sys.executable and os.path.isabs(script[-1])


@pytest.mark.parametrize("table", [{"command": []}, {"data": ""}, {"lines": 101}])
def test_policy_rejects_bad_values(table: dict[str, object]) -> None:
    with pytest.raises(PolicyError):
        from_mapping(Policy, {"coverage": table})


def test_pragma_reason_on_the_comment_line_above(tmp_path: Path) -> None:
    """tomli's style: the reason is a comment line of its own, directly above the pragma."""
    text = (
        "import sys\n"
        "\n"
        "if sys.version_info < (3, 11):\n"
        "    # Python 3.11 only\n"
        "    from typing import Self  # pragma: no cover\n"
        "\n"
        "    # pragma: no cover\n"
        "    def a():  # pragma: no cover\n"
        "        pass\n"
        "x = 1  # code with a comment is not a reason\n"
        "def b():  # pragma: no cover\n"
        "    pass\n"
        "# an explanation\n"
        "\n"
        "def c():  # pragma: no cover\n"
        "    pass\n"
    )
    found = pragma_findings("m.py", text, PATTERNS, Fingerprints())
    assert [str(f.location) for f in found] == ["m.py:7:5", "m.py:8:15", "m.py:11:11", "m.py:15:11"]
    assert found[0].message.endswith("or in a comment line directly above")


@pytest.mark.slow
def test_deeply_nested_json_is_an_input_error(tmp_path: Path) -> None:
    root = full_project(tmp_path)
    (root / "coverage.json").write_text("[" * 200_000 + "]" * 200_000, encoding="utf-8")
    proc = run_cli("check", "--gate", "coverage", "--coverage-data", "coverage.json", cwd=root)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "coverage.json: unreadable coverage data: JSON nested too deeply" in proc.stdout
    assert "Traceback" not in proc.stdout + proc.stderr


def test_deeply_nested_xml_is_read_without_recursion(tmp_path: Path) -> None:
    doc = b"<coverage>" + b"<a>" * 100_000 + b"</a>" * 100_000 + b"</coverage>"
    assert parse_xml(doc, tmp_path / "c.xml", PathMap(tmp_path)).files == {}


def test_huge_digits_in_json_are_an_input_error(tmp_path: Path) -> None:
    doc = '{"files": {"a.py": {"executed_lines": [' + "9" * 5000 + "]}}}"
    with pytest.raises(InputError, match="not JSON"):
        parse_json(doc, tmp_path / "c.json", PathMap(tmp_path))


def test_reports_are_bounded_regular_files(tmp_path: Path, run_gate: RunGate) -> None:
    big = tmp_path / "big.json"
    big.write_bytes(b" " * 2048)
    with pytest.raises(InputError, match="larger than 1024 bytes"):
        read_report(big, limit=1024)
    assert read_report(big, limit=4096) == b" " * 2048
    root = full_project(tmp_path / "proj")
    os.mkfifo(root / "coverage.xml")  # would block a plain read forever
    with pytest.raises(InputError, match="coverage.xml: unreadable coverage data: not a regular"):
        run_gate(root, data="coverage.xml")
    os.mkfifo(root / ".coverage")
    with pytest.raises(InputError, match=r"\.coverage: coverage data is not a regular file"):
        run_gate(root, data=".coverage")
    with pytest.raises(InputError, match="unreadable coverage data: Not a directory"):
        run_gate(root, data="pyproject.toml/coverage.json")


def test_xml_copies_of_one_file_merge(tmp_path: Path) -> None:
    """Two <class> entries for one file: lines executed by either; counts never overstated."""
    write(tmp_path, {"pkg/m.py": "x\n"})
    doc = (
        b'<coverage branch-rate="0.5"><class filename="pkg/m.py">'
        b'<line number="1" hits="1" branch="true" condition-coverage="50% (1/2)"/>'
        b'<line number="2" hits="0"/></class>'
        b'<class filename="pkg/m.py">'
        b'<line number="1" hits="1" branch="true" condition-coverage="50% (1/2)"/>'
        b'<line number="2" hits="1"/>'
        b'<line number="3" hits="1" branch="true" condition-coverage="50% (1/2)"'
        b' missing-branches="5"/></class></coverage>'
    )
    (cov,) = parse_xml(doc, tmp_path / "c.xml", PathMap(tmp_path)).files.values()
    assert cov.statements == {1, 2, 3} and cov.missing == frozenset()
    assert (cov.branches, cov.branches_covered, cov.missing_branches) == (4, 2, ((3, 5),))


@pytest.mark.parametrize(
    "text",
    [
        'tool = "x"\n',
        "[tool]\ncoverage = 3\n",
        "[tool.coverage]\nrun = 3\n",
        '[tool.coverage]\npaths = "x"\n',
    ],
)
def test_wrong_types_in_coverage_config(tmp_path: Path, text: str) -> None:
    write(tmp_path, {"pyproject.toml": text})
    with pytest.raises(InputError, match="invalid coverage configuration: a table has the wrong"):
        read_repo_config(tmp_path)
