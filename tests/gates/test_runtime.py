"""The runtime gate: the release table, every detector, findings, policy, hostile inputs."""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

import pytest

from gatekeeper.errors import InputError
from gatekeeper.gates import load_gate
from gatekeeper.gates.interface import GateContext
from gatekeeper.gates.runtime.detect import Role, detect, parse_version
from gatekeeper.gates.runtime.gate import RuntimeGate, inspect_runtime
from gatekeeper.git import GitRepo
from gatekeeper.model import Finding, GateResult, Severity
from gatekeeper.policy.model import Policy, RuntimePolicy
from gatekeeper.policy.validate import InvalidPolicy, from_mapping
from gatekeeper.runtime_table import (
    RELEASES,
    TABLE_DATE,
    Generation,
    latest_released,
    status,
    table_stale,
    upgrade_path,
)
from tests.helpers import run_cli

D = dt.date
#: The table's own date: 3.13 and older are past bugfix or end of life, 3.14/3.15 current.
TODAY = D(2026, 12, 1)

PYPROJECT = """\
[project]
name = "svc"
requires-python = ">=3.11"
classifiers = [
  "Programming Language :: Python :: 3",
  "Programming Language :: Python :: 3 :: Only",
  "Programming Language :: Python :: 3.11",
  "Programming Language :: Python :: 3.12",
  "Typing :: Typed",
]
"""
WORKFLOW = """\
name: ci
on: [push]
jobs:
  test:
    strategy:
      matrix:
        python-version: ["3.11", 3.12, "3.13"]
        include:
          - python-version: "pypy3.10"
    steps:
      - uses: actions/setup-python@v5
        with:
          python-version: ${{ matrix.python-version }}
  lint:
    steps:
      - uses: actions/setup-python@v5
        with:
          python-version: "3.11"
"""


def write(root: Path, name: str, text: str) -> Path:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def run(root: Path, policy: RuntimePolicy | None = None, today: D = TODAY) -> GateResult:
    return inspect_runtime(root, policy or RuntimePolicy(), today)


def by_rule(result: GateResult, rule_id: str) -> list[Finding]:
    return [f for f in result.findings if f.rule_id == rule_id]


# The release table


@pytest.mark.parametrize(
    ("line", "day", "generation", "phase"),
    [
        ((3, 8), D(2021, 5, 3), Generation.CURRENT, "bugfix"),
        ((3, 8), D(2021, 5, 4), Generation.MAINTENANCE, "security"),
        ((3, 8), D(2024, 10, 7), Generation.MAINTENANCE, "security"),
        ((3, 8), D(2024, 10, 8), Generation.NAUGHTY, "end of life"),
        ((3, 9), D(2025, 10, 31), Generation.MAINTENANCE, "security"),
        ((3, 9), D(2025, 11, 1), Generation.NAUGHTY, "end of life"),
        ((3, 10), D(2026, 10, 31), Generation.MAINTENANCE, "security"),
        ((3, 10), D(2026, 11, 1), Generation.NAUGHTY, "end of life"),
        ((3, 12), D(2025, 4, 8), Generation.CURRENT, "bugfix"),
        ((3, 12), D(2025, 4, 9), Generation.MAINTENANCE, "security"),
        ((3, 13), D(2026, 10, 1), Generation.CURRENT, "bugfix"),
        ((3, 13), D(2026, 10, 2), Generation.MAINTENANCE, "security"),
        ((3, 14), D(2025, 10, 6), Generation.NAUGHTY, "pre-release"),
        ((3, 14), D(2025, 10, 7), Generation.CURRENT, "bugfix"),
        ((3, 14), D(2027, 10, 6), Generation.MAINTENANCE, "security"),
        ((3, 14), D(2030, 11, 1), Generation.NAUGHTY, "end of life"),
        ((3, 15), D(2026, 10, 8), Generation.NAUGHTY, "pre-release"),
        ((3, 15), D(2026, 10, 9), Generation.CURRENT, "bugfix"),
        ((3, 7), TODAY, Generation.NAUGHTY, "end of life"),
        ((2, 7), TODAY, Generation.NAUGHTY, "end of life"),
        ((3, 16), TODAY, Generation.NAUGHTY, "unknown"),
    ],
)
def test_status_around_each_boundary(
    line: tuple[int, int], day: D, generation: Generation, phase: str
) -> None:
    state = status(line, day)
    assert (state.generation, state.phase) == (generation, phase)


def test_table_covers_3_8_to_3_15_in_order_with_consistent_dates() -> None:
    assert [r.name for r in RELEASES] == [f"3.{m}" for m in range(8, 16)]
    assert all(r.released < r.bugfix_until < r.eol for r in RELEASES)
    assert [r.eol.year for r in RELEASES] == list(range(2024, 2032))
    assert RELEASES[6].released == D(2025, 10, 7)  # PEP 745


def test_upgrade_path_one_line_at_a_time_to_the_latest_release() -> None:
    assert [f"{a}.{b}" for a, b in upgrade_path((3, 9), TODAY)] == [
        "3.9", "3.10", "3.11", "3.12", "3.13", "3.14", "3.15",
    ]  # fmt: skip
    assert upgrade_path((3, 9), D(2026, 10, 8))[-1] == (3, 14)  # 3.15 not released yet
    assert upgrade_path((3, 6), TODAY)[:3] == ((3, 6), (3, 8), (3, 9))
    assert upgrade_path((3, 15), TODAY) == ()
    assert upgrade_path((3, 16), TODAY) == ()


def test_latest_released_before_any_release_is_the_first_line() -> None:
    assert latest_released(D(2019, 1, 1)).line == (3, 8)
    assert latest_released(TODAY).line == (3, 15)


def test_table_staleness_is_one_year() -> None:
    assert not table_stale(TABLE_DATE + dt.timedelta(days=365))
    assert table_stale(TABLE_DATE + dt.timedelta(days=366))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("3.11", ((3, 11), False)),
        (" 3.11.4 ", ((3, 11), False)),
        ("3.15.0rc1", ((3, 15), True)),
        ("3.15-dev", ((3, 15), True)),
        ("3.15.0-alpha.1", ((3, 15), True)),
        ("2.7", ((2, 7), False)),
        ("system", None),
        ("pypy3.10", None),
        ("3.x", None),
        ("3", None),
        ("", None),
        ("4.0", None),
        ("3.11; rm -rf /", None),
    ],
)
def test_parse_version(text: str, expected: object) -> None:
    assert parse_version(text) == expected


# Detectors, each with a real-looking file


def test_pyproject_requires_python_lowest_admitted_and_classifiers(tmp_path: Path) -> None:
    write(tmp_path, "pyproject.toml", PYPROJECT)
    found = detect(tmp_path).found
    assert [(f.source, f.line, f.version, f.role) for f in found] == [
        ("requires-python", 3, (3, 11), Role.FLOOR),
        ("classifier", 7, (3, 11), Role.LISTED),
        ("classifier", 8, (3, 12), Role.LISTED),
    ]


@pytest.mark.parametrize(
    ("spec", "line"),
    [(">=3.9,!=3.9.*", (3, 10)), ("~=3.12.1", (3, 12)), ("<3.12", (3, 0)), ("==3.13.*", (3, 13))],
)
def test_requires_python_lowest_line(tmp_path: Path, spec: str, line: tuple[int, int]) -> None:
    write(tmp_path, "pyproject.toml", f'[project]\nname = "x"\nrequires-python = "{spec}"\n')
    assert [f.version for f in detect(tmp_path).found] == [line]


def test_pyproject_without_project_table_names_nothing(tmp_path: Path) -> None:
    write(tmp_path, "pyproject.toml", "[tool.ruff]\nline-length = 99\n")
    assert detect(tmp_path).found == []


@pytest.mark.parametrize(
    ("text", "message", "line"),
    [
        ('[project]\nrequires-python = "3.11"\n', "invalid specifier '3.11'", 2),
        ("[project]\nrequires-python = 311\n", "requires-python must be a string", 2),
        ('[project]\nrequires-python = ">=4"\n', "admits no Python 3 release", 2),
        ('project = "x"\n', r"\[project\] must be a table", None),
        ('[project]\nname = "x"\nclassifiers = "a"\n', "classifiers must be an array", 3),
        ("[project\n", "malformed TOML", 1),
    ],
)
def test_pyproject_errors_name_file_and_line(
    tmp_path: Path, text: str, message: str, line: int | None
) -> None:
    write(tmp_path, "pyproject.toml", text)
    with pytest.raises(InputError, match=message) as caught:
        detect(tmp_path)
    assert (caught.value.path, caught.value.line) == ("pyproject.toml", line)


def test_classifier_line_falls_back_when_written_with_escapes(tmp_path: Path) -> None:
    escaped = '"Programming Language :: Python :: 3.1\\u0032"'
    write(tmp_path, "pyproject.toml", f"[project]\nname = 'x'\nclassifiers = [{escaped}, 3]\n")
    (found,) = detect(tmp_path).found
    assert (found.version, found.line) == ((3, 12), 3)  # the classifiers key's line


def test_classifier_lines_with_either_quote_and_a_comment_first(tmp_path: Path) -> None:
    write(
        tmp_path,
        "pyproject.toml",
        "# requires-python and 'Programming Language :: Python :: 3.11' in a comment\n"
        "[project]\nname = 'x'\nrequires-python = '>=3.11'\nclassifiers = [\n"
        "  'Programming Language :: Python :: 3.11',\n"
        '  "Programming Language :: Python :: 3.1",\n]\n',
    )
    assert [(f.line, f.version) for f in detect(tmp_path).found] == [
        (4, (3, 11)), (6, (3, 11)), (7, (3, 1))
    ]  # fmt: skip


def test_python_version_file_each_line_a_pin(tmp_path: Path) -> None:
    write(tmp_path, ".python-version", "# pyenv\n\n3.12.7\nsystem\n3.11  # fallback\n")
    detection = detect(tmp_path)
    assert [(f.line, f.version, f.role) for f in detection.found] == [
        (3, (3, 12), Role.PIN),
        (5, (3, 11), Role.PIN),
    ]
    assert detection.skipped == {".python-version": 1}


def test_runtime_txt_first_value(tmp_path: Path) -> None:
    write(tmp_path, "runtime.txt", "\npython-3.10.14\npython-3.12.1\n")
    (found,) = detect(tmp_path).found
    assert (found.source, found.line, found.version, found.text) == (
        "runtime.txt", 2, (3, 10), "python-3.10.14"
    )  # fmt: skip


def test_runtime_txt_empty_or_garbage(tmp_path: Path) -> None:
    write(tmp_path, "runtime.txt", "\n  \n")
    assert detect(tmp_path).found == []
    write(tmp_path, "runtime.txt", "ruby-3.2\n")
    assert detect(tmp_path).skipped == {"runtime.txt": 1}


def test_dockerfile_every_python_stage(tmp_path: Path) -> None:
    write(
        tmp_path,
        "Dockerfile",
        "# syntax=docker/dockerfile:1\n"
        "FROM --platform=$BUILDPLATFORM python:3.12.4-slim-bookworm AS build\n"
        "RUN pip wheel .\n"
        "from docker.io/library/python:3.12@sha256:0123abcd as test\n"
        "FROM python:latest\n"
        "FROM gcr.io/distroless/base\n"
        "FROM python:3.15.0rc2-alpine\n",
    )
    detection = detect(tmp_path)
    assert [(f.line, f.version, f.prerelease) for f in detection.found] == [
        (2, (3, 12), False),
        (4, (3, 12), False),
        (7, (3, 15), True),
    ]
    assert detection.skipped == {"Dockerfile": 1}


def test_workflow_matrix_lists_scalars_and_line_numbers(tmp_path: Path) -> None:
    write(tmp_path, ".github/workflows/ci.yml", WORKFLOW)
    write(tmp_path, ".github/workflows/release.yaml", "on: push\njobs: {}\n")
    write(tmp_path, ".github/workflows/empty.yml", "")
    write(tmp_path, ".github/workflows/scalar.yml", "just text\n")
    detection = detect(tmp_path)
    # 3.12 unquoted is a float to a YAML loader (3.1 for "3.10"); the composed node keeps it.
    assert [(f.line, f.text, f.version) for f in detection.found] == [
        (7, "3.11", (3, 11)),
        (7, "3.12", (3, 12)),
        (7, "3.13", (3, 13)),
        (18, "3.11", (3, 11)),
    ]
    assert {f.path for f in detection.found} == {".github/workflows/ci.yml"}
    assert detection.skipped == {".github/workflows/ci.yml": 1}  # pypy3.10


def test_workflow_unquoted_3_10_is_3_10_and_odd_keys(tmp_path: Path) -> None:
    write(
        tmp_path,
        ".github/workflows/ci.yml",
        "? [complex, key]\n: python-version: 3.10\n"
        "jobs:\n  a:\n    with:\n      python-version: [{nested: 1}, 3.9]\n",
    )
    detection = detect(tmp_path)
    assert [f.version for f in detection.found] == [(3, 10), (3, 9)]
    assert detection.skipped == {".github/workflows/ci.yml": 1}


def test_tox_envlist_with_continuations_and_generative_names(tmp_path: Path) -> None:
    write(
        tmp_path,
        "tox.ini",
        "[testenv]\nenvlist = py27\n"
        "[tox]\nminversion = 4\nenv_list =\n    py3{10,11}-django{42,50}\n    py312, lint\n"
        "    pypy3\nskip_missing_interpreters = true\n",
    )
    found = detect(tmp_path).found
    assert sorted({(f.line, f.version) for f in found}) == [
        (6, (3, 10)),
        (6, (3, 11)),
        (7, (3, 12)),
    ]
    assert all(f.source == "tox envlist" and f.role is Role.LISTED for f in found)


def test_tox_continuation_ends_at_blank_line_or_end_of_file(tmp_path: Path) -> None:
    write(tmp_path, "tox.ini", "[tox]\nenvlist = py311\n\n    py38\n")
    assert [f.version for f in detect(tmp_path).found] == [(3, 11)]
    write(tmp_path, "tox.ini", "[tox]\nenvlist =\n    py313")
    assert [f.version for f in detect(tmp_path).found] == [(3, 13)]
    write(tmp_path, "tox.ini", "[tox]\nminversion = 4\n")
    assert detect(tmp_path).found == []


def test_noxfile_python_arguments(tmp_path: Path) -> None:
    write(
        tmp_path,
        "noxfile.py",
        "import nox\n\n"
        '@nox.session(python=["3.11", "3.12"])\ndef tests(session): ...\n\n'
        '@nox.session(python="3.13", reuse_venv=True)\ndef lint(session): ...\n\n'
        "@nox.session(python=PYTHONS)\ndef other(session): ...\n\n"
        '@nox.session(python=("pypy3.10",))\ndef pypy(session): ...\n',
    )
    detection = detect(tmp_path)
    assert [(f.line, f.version) for f in detection.found] == [
        (3, (3, 11)), (3, (3, 12)), (6, (3, 13))
    ]  # fmt: skip
    assert detection.skipped == {"noxfile.py": 2}


def test_noxfile_syntax_error_names_its_line(tmp_path: Path) -> None:
    write(tmp_path, "noxfile.py", "import nox\ndef (:\n")
    with pytest.raises(InputError, match="invalid Python") as caught:
        detect(tmp_path)
    assert (caught.value.path, caught.value.line) == ("noxfile.py", 2)


# Hostile inputs


def test_fifo_dockerfile_is_a_clear_error(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "Dockerfile")
    with pytest.raises(InputError, match="not a regular file") as caught:
        detect(tmp_path)
    assert caught.value.path == "Dockerfile"


def test_directory_named_like_a_workflow_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / ".github" / "workflows" / "ci.yml").mkdir(parents=True)
    with pytest.raises(InputError, match="cannot read") as caught:
        detect(tmp_path)
    assert caught.value.path == ".github/workflows/ci.yml"


def test_huge_and_non_utf8_files_are_clear_errors(tmp_path: Path) -> None:
    (tmp_path / "runtime.txt").write_bytes(b"python-3.11\n" + b"#" * (1 << 20))
    with pytest.raises(InputError, match="larger than"):
        detect(tmp_path)
    (tmp_path / "runtime.txt").write_bytes(b"python-3.11\xff\n")
    with pytest.raises(InputError, match="not UTF-8"):
        detect(tmp_path)


def test_yaml_bomb_with_aliases_is_refused_with_its_line(tmp_path: Path) -> None:
    bomb = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
    bomb += "".join(f"{c}: &{c} [*{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}]\n"
                    for p, c in zip("abcdefgh", "bcdefghi", strict=True))  # fmt: skip
    write(tmp_path, ".github/workflows/bomb.yml", bomb)
    with pytest.raises(InputError, match="anchors and aliases are not allowed") as caught:
        detect(tmp_path)
    assert (caught.value.path, caught.value.line) == (".github/workflows/bomb.yml", 1)


@pytest.mark.parametrize(
    ("text", "message", "line"),
    [
        ("jobs: [1\n", "malformed YAML", 2),
        ("jobs: *undefined\n", "anchors and aliases are not allowed", 1),
        ("jobs: \x07\n", "malformed YAML: malformed", None),
    ],
)
def test_malformed_workflow_errors(tmp_path: Path, text: str, message: str, line: int) -> None:
    write(tmp_path, ".github/workflows/ci.yml", text)
    with pytest.raises(InputError, match=message) as caught:
        detect(tmp_path)
    assert caught.value.line == line


def test_symlinks_leading_outside_the_repository_are_not_read(tmp_path: Path) -> None:
    root, outside = tmp_path / "repo", tmp_path / "outside"
    root.mkdir()
    write(outside, "Dockerfile", "FROM python:3.8\n")
    (outside / "workflows").mkdir()
    write(outside / "workflows", "ci.yml", "python-version: '3.8'\n")
    (root / "Dockerfile").symlink_to(outside / "Dockerfile")
    (root / ".github").mkdir()
    (root / ".github" / "workflows").symlink_to(outside / "workflows")
    (root / "runtime.txt").symlink_to("runtime.txt")  # a loop
    assert detect(root).found == []


def test_workflow_symlink_leading_outside_is_not_read(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    write(tmp_path, "secret.yml", "python-version: '3.8'\n")
    write(root, ".github/workflows/ci.yml", "python-version: '3.12'\n")
    (root / ".github" / "workflows" / "leak.yml").symlink_to(tmp_path / "secret.yml")
    assert [f.version for f in detect(root).found] == [(3, 12)]


def test_dangling_symlink_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / ".python-version").symlink_to("missing")
    with pytest.raises(InputError, match="cannot read") as caught:
        detect(tmp_path)
    assert caught.value.path == ".python-version"


def test_garbage_versions_are_counted_skips(tmp_path: Path) -> None:
    write(tmp_path, ".python-version", "system\nlatest\n\x00\n")
    write(tmp_path, "Dockerfile", "FROM python:slim\n")
    result = run(tmp_path)
    assert result.skipped is not None
    assert "no Python version found" in result.skipped
    assert "4 value(s) named no CPython version" in result.skipped


def test_nothing_found_is_a_skip_with_a_reason(tmp_path: Path) -> None:
    result = run(tmp_path)
    assert result.skipped is not None
    assert "requires-python" in result.skipped
    assert "value(s)" not in result.skipped


# Findings


def test_naughty_line_fails_high_with_its_upgrade_path(tmp_path: Path) -> None:
    write(tmp_path, "Dockerfile", "FROM python:3.9-slim\n")
    result = run(tmp_path)
    (finding,) = result.findings
    assert (finding.rule_id, finding.severity) == ("GK-RUN-001", Severity.HIGH)
    assert str(finding.location) == "Dockerfile:1"
    assert "end of life since 2025-10-31" in finding.message
    assert "3.9 → 3.10 → 3.11 → 3.12 → 3.13 → 3.14 → 3.15" in finding.message
    assert finding.data["upgrade_path"][0] == "3.9"
    assert finding.data["generation"] == "naughty"
    assert result.metrics["naughty"] == 1


def test_line_older_than_the_table_is_naughty(tmp_path: Path) -> None:
    write(tmp_path, "runtime.txt", "python-3.6.15\n")
    (finding,) = run(tmp_path).findings
    assert finding.rule_id == "GK-RUN-001"
    assert "Python 3.6 is end of life (naughty)" in finding.message
    assert "eol" not in finding.data
    assert finding.data["upgrade_path"][:2] == ("3.6", "3.8")


def test_maintenance_is_reported_low_and_current_is_info(tmp_path: Path) -> None:
    write(tmp_path, "pyproject.toml", PYPROJECT.replace("3.12", "3.14"))
    result = run(tmp_path)
    assert [(f.rule_id, f.severity, f.data["version"]) for f in result.findings] == [
        ("GK-RUN-002", Severity.LOW, "3.11"),
        ("GK-RUN-003", Severity.INFO, "3.14"),
    ]
    assert "security fixes only (bugfix ended 2024-04-02" in result.findings[0].message
    assert "bugfix until 2027-10-05" in result.findings[1].message
    assert "upgrade one line at a time: 3.14 → 3.15" in result.findings[1].message
    assert (result.metrics["maintenance"], result.metrics["current"]) == (1, 1)


def test_newest_current_line_has_no_upgrade_path(tmp_path: Path) -> None:
    write(tmp_path, ".python-version", "3.15.0\n")
    (finding,) = run(tmp_path).findings
    assert finding.rule_id == "GK-RUN-003"
    assert "upgrade" not in finding.message
    assert finding.data["upgrade_path"] == ()


@pytest.mark.parametrize(
    ("name", "text"),
    [("Dockerfile", "FROM python:3.16-rc\n"), ("runtime.txt", "python-3.15.0b1\n")],
)
def test_prerelease_in_production_is_naughty(tmp_path: Path, name: str, text: str) -> None:
    write(tmp_path, name, text)
    (finding,) = run(tmp_path, today=D(2026, 9, 1)).findings
    assert (finding.rule_id, finding.severity) == ("GK-RUN-001", Severity.HIGH)
    assert "in production (naughty)" in finding.message
    assert "the latest is 3.14" in finding.message


def test_prerelease_build_of_a_released_line_in_production_is_naughty(tmp_path: Path) -> None:
    write(tmp_path, "Dockerfile", "FROM python:3.14.0rc3-slim\n")
    (finding,) = run(tmp_path).findings
    assert finding.rule_id == "GK-RUN-001"
    assert "is a pre-release build in production" in finding.message


def test_prerelease_only_tested_in_ci_is_info(tmp_path: Path) -> None:
    write(tmp_path, ".github/workflows/ci.yml", 'python-version: ["3.14", "3.15-dev", "3.16"]\n')
    result = run(tmp_path, today=D(2026, 6, 1))
    assert [(f.rule_id, f.severity) for f in result.findings] == [("GK-RUN-003", Severity.INFO)] * 3
    assert "a pre-release until 2026-10-09, only tested here" in result.findings[1].message
    assert "unknown to the release table, only tested here" in result.findings[2].message


def test_disagreement_names_both_files_and_lines(tmp_path: Path) -> None:
    write(tmp_path, "pyproject.toml", PYPROJECT)
    write(tmp_path, "Dockerfile", "FROM python:3.10-slim\n")
    (finding,) = by_rule(run(tmp_path), "GK-RUN-004")
    assert finding.severity is Severity.MEDIUM
    assert "pyproject.toml:3" in finding.message
    assert "Dockerfile:1" in finding.message
    assert "3.10 is below 3.11, the lowest line requires-python admits" in finding.message
    assert finding.data["sources"] == ("pyproject.toml:3", "Dockerfile:1")
    assert str(finding.location) == "Dockerfile:1"


def test_pins_that_differ_disagree(tmp_path: Path) -> None:
    write(tmp_path, ".python-version", "3.12\n")
    write(tmp_path, "Dockerfile", "FROM python:3.12\nFROM python:3.13-slim\n")
    (finding,) = by_rule(run(tmp_path), "GK-RUN-004")
    assert "the deployment pins differ" in finding.message
    assert finding.data["versions"] == ("3.12", "3.13")


def test_tests_starting_above_requires_python_disagree(tmp_path: Path) -> None:
    write(tmp_path, "pyproject.toml", PYPROJECT.replace(">=3.11", ">=3.10"))
    write(tmp_path, ".github/workflows/ci.yml", WORKFLOW)
    findings = by_rule(run(tmp_path), "GK-RUN-004")
    assert [f.message.split(": ")[-1] for f in findings] == [
        "requires-python admits 3.10 but classifier starts at 3.11",
        "requires-python admits 3.10 but workflow starts at 3.11",
    ]


def test_agreeing_sources_have_no_disagreement(tmp_path: Path) -> None:
    write(tmp_path, "pyproject.toml", PYPROJECT)
    write(tmp_path, ".github/workflows/ci.yml", WORKFLOW)
    write(tmp_path, "tox.ini", "[tox]\nenvlist = py313, py311\n")
    write(tmp_path, "Dockerfile", "FROM python:3.12-slim\n")
    result = run(tmp_path)
    assert by_rule(result, "GK-RUN-004") == []
    assert result.metrics["sources"] == 10


def test_stale_table_is_a_warning(tmp_path: Path) -> None:
    write(tmp_path, ".python-version", "3.15\n")
    later = TABLE_DATE + dt.timedelta(days=400)
    (stale,) = by_rule(run(tmp_path, today=later), "GK-RUN-005")
    assert stale.severity is Severity.MEDIUM
    assert "400 days ago" in stale.message
    assert by_rule(run(tmp_path), "GK-RUN-005") == []


def test_fingerprints_ignore_line_numbers(tmp_path: Path) -> None:
    write(tmp_path, "Dockerfile", "FROM python:3.9\n")
    before = {f.fingerprint for f in run(tmp_path).findings}
    write(tmp_path, "Dockerfile", "# base image\n\nFROM python:3.9\n")
    assert {f.fingerprint for f in run(tmp_path).findings} == before


# Policy


def test_fail_on_maintenance_raises_maintenance_to_fail_on(tmp_path: Path) -> None:
    write(tmp_path, ".python-version", "3.12\n")
    tight = RuntimePolicy(fail_on_maintenance=True)
    (finding,) = run(tmp_path, tight).findings
    assert (finding.rule_id, finding.severity) == ("GK-RUN-002", Severity.HIGH)
    loose_threshold = RuntimePolicy(fail_on_maintenance=True, fail_on=Severity.INFO)
    assert run(tmp_path, loose_threshold).findings[0].severity is Severity.LOW


def test_runner_judges_by_policy(tmp_path: Path) -> None:
    from gatekeeper.runner import exit_code, judge_alone

    write(tmp_path, ".python-version", "3.12\n")
    write(tmp_path, "Dockerfile", "FROM python:3.13\n")  # a disagreement: medium

    def code(section: dict[str, object]) -> int:
        policy = from_mapping(Policy, {"runtime": section})
        result = RuntimeGate(today=TODAY).run(GateContext(tmp_path, policy, GitRepo(tmp_path)))
        return exit_code(judge_alone("runtime", result, policy, TODAY))

    assert code({}) == 0
    assert code({"fail_on_maintenance": True}) == 1
    assert code({"fail_on": "medium"}) == 1


def test_policy_section_defaults_and_problems_named_by_key() -> None:
    assert Policy().runtime == RuntimePolicy(fail_on=Severity.HIGH, fail_on_maintenance=False)
    with pytest.raises(InvalidPolicy) as caught:
        from_mapping(Policy, {"runtime": {"fail_on_maintenance": "yes", "fail_on_maint": 1}})
    lines = str(caught.value).splitlines()
    assert "runtime.fail_on_maintenance: expected a boolean, got a string" in lines[0]
    assert "runtime.fail_on_maint: unknown key (did you mean 'fail_on_maintenance'?)" in lines[1]


def test_registered_gate_runs_with_the_real_date(tmp_path: Path) -> None:
    write(tmp_path, ".python-version", "3.8\n")
    gate = load_gate("runtime")
    assert isinstance(gate, RuntimeGate)
    result = gate.run(GateContext(tmp_path, Policy(), GitRepo(tmp_path)))
    assert result.findings[0].rule_id == "GK-RUN-001"


@pytest.mark.slow
def test_console_script_fails_a_naughty_service_and_passes_this_repository(
    tmp_path: Path,
) -> None:
    write(tmp_path, "pyproject.toml", PYPROJECT.replace(">=3.11", ">=3.9"))
    write(tmp_path, "Dockerfile", "FROM python:3.9-slim\n")
    proc = run_cli("check", str(tmp_path), "--gate", "runtime", "--format", "json")
    assert proc.returncode == 1, proc.stderr
    report = json.loads(proc.stdout)
    rules = {f["rule_id"] for g in report["gates"] for f in g["findings"]}
    assert {"GK-RUN-001", "GK-RUN-004"} <= rules
    repo = Path(__file__).resolve().parents[2]
    proc = run_cli("check", str(repo), "--gate", "runtime")
    assert proc.returncode == 0, proc.stdout + proc.stderr
