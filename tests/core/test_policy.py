"""Finding, merging and loading the policy; every problem reported at once with file and line."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from gatekeeper.errors import PolicyError
from gatekeeper.model import Severity
from gatekeeper.policy.load import BUILTIN, builtin_text, load_policy, with_overrides
from gatekeeper.policy.model import Policy
from gatekeeper.policy.validate import InvalidPolicy
from tests.helpers import run_cli
from tests.no_pydantic import run_main

REPO_ROOT = Path(__file__).resolve().parents[2]


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def problems(root: Path, explicit: Path | None = None) -> list[str]:
    with pytest.raises(InvalidPolicy) as err:
        load_policy(root, explicit)
    return [str(p) for p in err.value.problems]


def test_builtin_default_is_the_org_policy_file() -> None:
    assert builtin_text() == (REPO_ROOT / "policies" / "default.toml").read_text()


def test_builtin_default_validates_to_the_model_defaults(tmp_path: Path) -> None:
    loaded = load_policy(tmp_path)
    assert loaded.sources == (BUILTIN,)
    assert loaded.policy == Policy()
    assert loaded.policy.audit.fail_on is Severity.HIGH
    assert loaded.policy.coverage.lines == 100.0


def test_org_policy_in_repo_then_pyproject_overlay(tmp_path: Path) -> None:
    write(
        tmp_path / "policies" / "default.toml",
        '[audit]\nfail_on = "critical"\nmax_age_days = 5\n'
        '[[waiver]]\nid = "A"\nreason = "org"\nexpires = 2030-01-01\n',
    )
    write(
        tmp_path / "pyproject.toml",
        '[project]\nname = "x"\n[tool.gatekeeper.audit]\nfail_on = "moderate"\n'
        '[[tool.gatekeeper.waiver]]\nid = "B"\nreason = "repo"\nexpires = 2030-01-01\n',
    )
    loaded = load_policy(tmp_path)
    assert loaded.sources == (
        str(tmp_path / "policies/default.toml"),
        str(tmp_path / "pyproject.toml"),
    )
    assert loaded.policy.audit.fail_on is Severity.MEDIUM
    assert loaded.policy.audit.max_age_days == 5  # kept from the org table
    assert [w.id for w in loaded.policy.waiver] == ["A", "B"]  # waivers add up
    assert loaded.policy.waiver[0].expires == dt.date(2030, 1, 1)


def test_explicit_policy_wins_over_repo_policy(tmp_path: Path) -> None:
    write(tmp_path / "policies" / "default.toml", '[audit]\nfail_on = "critical"\n')
    explicit = write(tmp_path / "other.toml", '[audit]\nfail_on = "low"\n')
    loaded = load_policy(tmp_path, explicit)
    assert loaded.policy.audit.fail_on is Severity.LOW
    assert loaded.sources == (str(explicit),)


def test_pyproject_without_tool_table_is_ignored(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", '[project]\nname = "x"\n[tool.other]\nx = 1\n')
    assert load_policy(tmp_path).sources == (BUILTIN,)


def test_malformed_toml_names_file_and_line(tmp_path: Path) -> None:
    bad = write(tmp_path / "p.toml", "version = 1\n[audit\nfail_on = 'x'\n")
    with pytest.raises(PolicyError) as err:
        load_policy(tmp_path, bad)
    assert err.value.path == str(bad)
    assert err.value.line == 2
    assert str(err.value).startswith(f"{bad}:2: malformed TOML")


def test_unknown_key_is_an_error_with_its_line_and_a_suggestion(tmp_path: Path) -> None:
    bad = write(tmp_path / "p.toml", "version = 1\n\n[audit]\nfail_on = 'high'\nfial_on = 'low'\n")
    with pytest.raises(PolicyError) as err:
        load_policy(tmp_path, bad)
    assert err.value.line == 5
    assert str(err.value) == f"{bad}:5: audit.fial_on: unknown key (did you mean 'fail_on'?)"


def test_unknown_section_is_an_error(tmp_path: Path) -> None:
    bad = write(tmp_path / "p.toml", "[covrage]\nlines = 90\n")
    assert problems(tmp_path, bad) == [f"{bad}:1: covrage: unknown key (did you mean 'coverage'?)"]


def test_waiver_without_expiry_points_at_that_waiver(tmp_path: Path) -> None:
    bad = write(
        tmp_path / "p.toml",
        '[[waiver]]\nid = "A"\nreason = "r"\nexpires = 2030-01-01\n\n'
        '[[waiver]]\nid = "B"\nreason = "r"\n',
    )
    assert problems(tmp_path, bad) == [f"{bad}:6: waiver.1.expires: required key is missing"]


def test_every_problem_in_the_pyproject_overlay_blames_pyproject(tmp_path: Path) -> None:
    pyproject = write(
        tmp_path / "pyproject.toml",
        '[project]\nname = "x"\n\n[tool.gatekeeper.coverage]\nlines = 120\nbranches = 101\n',
    )
    with pytest.raises(PolicyError) as err:
        load_policy(tmp_path)
    assert (err.value.path, err.value.line) == (str(pyproject), 5)  # the first problem's
    assert str(err.value).splitlines() == [
        f"{pyproject}:5: coverage.lines: must be >= 0 and <= 100, got 120",
        f"{pyproject}:6: coverage.branches: must be >= 0 and <= 100, got 101",
    ]


def test_bad_severity_and_several_problems(tmp_path: Path) -> None:
    bad = write(tmp_path / "p.toml", '[audit]\nfail_on = "urgent"\nmax_age_days = -1\nx = 1\n')
    found = problems(tmp_path, bad)
    assert len(found) == 3
    assert f"{bad}:2: audit.fail_on: unknown severity 'urgent'" in found[0]
    assert found[1] == f"{bad}:3: audit.max_age_days: must be >= 0, got -1"
    assert found[2].startswith(f"{bad}:4: audit.x: unknown key (known: enabled, fail_on")


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ('[tool]\ngatekeeper = "on"\n', "2: tool.gatekeeper: expected a table, got a string"),
        ('tool = "x"\n', "1: tool: expected a table, got a string"),
        ("[tool.gatekeeper]\ncoverage = [1]\n", "2: coverage: expected a table, got an array"),
    ],
)
def test_tool_and_tool_gatekeeper_must_be_tables(tmp_path: Path, text: str, problem: str) -> None:
    pyproject = write(tmp_path / "pyproject.toml", text)
    assert problems(tmp_path) == [f"{pyproject}:{problem}"]


def test_tool_gatekeeper_problem_comes_with_the_base_policy_problems(tmp_path: Path) -> None:
    base = write(tmp_path / "p.toml", "version = 2\n")
    pyproject = write(tmp_path / "pyproject.toml", "[tool]\ngatekeeper = 1\n")
    assert problems(tmp_path, base) == [
        f"{pyproject}:2: tool.gatekeeper: expected a table, got an integer",
        f"{base}:1: version: must be >= 1 and <= 1, got 2",
    ]


def test_missing_and_unreadable_policy_files(tmp_path: Path) -> None:
    with pytest.raises(PolicyError, match="policy file not found"):
        load_policy(tmp_path, tmp_path / "missing.toml")
    binary = tmp_path / "bin.toml"
    binary.write_bytes(b"\xff\xfe\x00")
    with pytest.raises(PolicyError, match="cannot read policy file: not UTF-8"):
        load_policy(tmp_path, binary)
    with pytest.raises(
        PolicyError, match=f"{tmp_path}: cannot read policy file: not a regular file"
    ):
        load_policy(tmp_path, tmp_path)


def test_a_policy_that_is_a_device_or_a_fifo_is_refused_without_blocking(tmp_path: Path) -> None:
    zero = tmp_path / "zero.toml"
    zero.symlink_to("/dev/zero")
    with pytest.raises(PolicyError, match=f"{zero}: cannot read policy file: not a regular file"):
        load_policy(tmp_path, zero)
    fifo = tmp_path / "fifo.toml"
    os.mkfifo(fifo)  # nobody writes to it: opening it for reading must not wait
    with pytest.raises(PolicyError, match=f"{fifo}: cannot read policy file: not a regular file"):
        load_policy(tmp_path, fifo)


def test_an_oversized_policy_file_is_refused(tmp_path: Path) -> None:
    big = write(tmp_path / "big.toml", "# padding\n" * 110_000)
    with pytest.raises(PolicyError, match="cannot read policy file: larger than 1048576 bytes"):
        load_policy(tmp_path, big)


def test_with_overrides_validates() -> None:
    policy = Policy()
    changed = with_overrides(policy, {"audit": {"files": ["r.txt"], "env": None}})
    assert changed.audit.files == ["r.txt"]
    assert changed.certs == policy.certs
    assert policy.audit.files == []
    with pytest.raises(PolicyError) as err:
        with_overrides(policy, {"audit": {"fail_on": "bogus", "fiels": []}})
    assert str(err.value).splitlines() == [
        "<command line>: audit.fail_on: unknown severity 'bogus'; expected one of info, low, "
        "medium, high, critical",
        "<command line>: audit.fiels: unknown key (did you mean 'files'?)",
    ]


def test_severity_parse_and_order() -> None:
    assert Severity.parse(" Moderate ") is Severity.MEDIUM
    assert Severity.CRITICAL > Severity.HIGH >= Severity.HIGH
    assert Severity.LOW < Severity.MEDIUM <= Severity.MEDIUM
    with pytest.raises(ValueError, match="unknown severity 'x'"):
        Severity.parse("x")
    assert Severity.HIGH.__ge__(1) is NotImplemented
    assert Severity.HIGH.__gt__(1) is NotImplemented
    assert Severity.HIGH.__le__(1) is NotImplemented
    assert Severity.HIGH.__lt__(1) is NotImplemented


def test_error_in_org_policy_is_blamed_on_it_despite_overlay(tmp_path: Path) -> None:
    org = write(tmp_path / "policies" / "default.toml", '[audit]\nfail_on = "bogus"\n')
    write(tmp_path / "pyproject.toml", "[tool.gatekeeper.coverage]\nlines = 90\n")
    with pytest.raises(PolicyError) as err:
        load_policy(tmp_path)
    assert (err.value.path, err.value.line) == (str(org), 2)


def test_a_problem_no_file_mentions_is_blamed_on_the_last_file(tmp_path: Path) -> None:
    org = write(tmp_path / "p.toml", "[[waiver]]\n")  # the waiver's keys are on no line
    with pytest.raises(InvalidPolicy) as err:
        load_policy(tmp_path, org)
    assert [(p.file, p.line, p.dotted) for p in err.value.problems] == [
        (str(org), 1, "waiver.0.id"),
        (str(org), 1, "waiver.0.expires"),
    ]


@pytest.mark.slow
def test_three_mistakes_in_two_files_print_three_errors_and_exit_2(tmp_path: Path) -> None:
    org = write(
        tmp_path / "policies" / "default.toml",
        'version = 1\n\n[audit]\nfail_on = "high"\nmax_age_dayz = 3\n\n[certs]\nwarn_days = "30"\n',
    )
    pyproject = write(
        tmp_path / "pyproject.toml",
        '[project]\nname = "x"\n\n[tool.gatekeeper.coverage]\nbranches = 100.5\n',
    )
    proc = run_cli("check", str(tmp_path), "--gate", "config")
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.splitlines() == [
        f"gatekeeper: error: {pyproject}:5: coverage.branches: must be >= 0 and <= 100, got 100.5",
        f"gatekeeper: error: {org}:5: audit.max_age_dayz: unknown key "
        "(did you mean 'max_age_days'?)",
        f"gatekeeper: error: {org}:8: certs.warn_days: expected an integer, got a string",
    ]


_LOAD_LIKE_CHECK = """
import argparse, json, sys
from pathlib import Path
from gatekeeper.cli import build_parser
from gatekeeper.cli.common import load
args = build_parser(["check"]).parse_args(["check", sys.argv[1], "--gate", "config"])
loaded = load(args.policy, Path(args.path), {})
print(json.dumps({"waivers": len(loaded.policy.waiver), "pydantic": "pydantic" in sys.modules}))
"""


@pytest.mark.slow
def test_check_gate_config_loads_the_policy_without_pydantic(tmp_path: Path) -> None:
    write(
        tmp_path / "pyproject.toml",
        '[tool.gatekeeper.config]\nservices = ["svc"]\n'
        '[[tool.gatekeeper.waiver]]\nid = "GK-X-1"\nreason = "r"\nexpires = 2999-01-01\n',
    )
    proc = subprocess.run(
        [sys.executable, "-c", _LOAD_LIKE_CHECK, str(tmp_path)],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert json.loads(proc.stdout) == {"waivers": 1, "pydantic": False}
    # With no service to check, the whole command stays free of pydantic too.
    (tmp_path / "pyproject.toml").unlink()
    (tmp_path / "certs").mkdir()  # the certs gate runs (a run where every gate skips fails)
    assert run_main("check", tmp_path, "--gate", "certs") == (0, False)


def test_a_key_no_line_can_be_found_for_is_blamed_on_the_last_file(tmp_path: Path) -> None:
    base = write(tmp_path / "p.toml", '[ "audit" ]\nfail_on = "bogus"\n')  # a quoted header
    pyproject = write(tmp_path / "pyproject.toml", "[tool.gatekeeper]\nversion = 1\n")
    with pytest.raises(InvalidPolicy) as err:
        load_policy(tmp_path, base)
    assert [(p.file, p.line) for p in err.value.problems] == [(str(base), None)]
    assert pyproject.is_file()  # ...and not on pyproject.toml, which does not set the key


def test_a_problem_is_blamed_on_the_file_that_set_the_key(tmp_path: Path) -> None:
    org = write(
        tmp_path / "policies" / "default.toml",
        '[audit]\nfail_on = "bogus"\nmax_age_days = -1\n'
        '[[waiver]]\nid = "A"\nreason = "r"\nexpires = "never"\n',
    )
    pyproject = write(
        tmp_path / "pyproject.toml",
        "[tool.gatekeeper]\nversion = 1\n[tool.gatekeeper.audit]\nmax_age_days = -2\n"
        '[[tool.gatekeeper.waiver]]\nid = "B"\nreason = "r"\nexpires = "never"\n'
        '[[tool.gatekeeper.waiver]]\nid = "C"\nreason = "r"\n',
    )
    assert problems(tmp_path) == [
        f"{org}:2: audit.fail_on: unknown severity 'bogus'; expected one of info, low, medium, "
        "high, critical",
        f"{pyproject}:4: audit.max_age_days: must be >= 0, got -2",  # the overlay's value
        f"{org}:7: waiver.0.expires: expected a date (YYYY-MM-DD), got a string",
        f"{pyproject}:8: waiver.1.expires: expected a date (YYYY-MM-DD), got a string",
        f"{pyproject}:9: waiver.2.expires: required key is missing",  # its [[waiver]] header
    ]


def test_publish_section_every_problem_with_its_line(tmp_path: Path) -> None:
    bad = write(
        tmp_path / "p.toml",
        '[publish]\nmax_file_bytes = 0\ngates = ["coverage", "lint"]\nforbidden = [""]\n'
        'fail_on = "high"\n',
    )
    found = sorted(problems(tmp_path, bad))
    assert found[0] == f"{bad}:2: publish.max_file_bytes: must be >= 1, got 0"
    assert found[1].startswith(f"{bad}:3: publish.gates.1: unknown gate 'lint': use coverage,")
    assert found[2] == f"{bad}:4: publish.forbidden.0: must not be empty"
    assert len(found) == 3


def test_publish_section_overrides(tmp_path: Path) -> None:
    write(
        tmp_path / "pyproject.toml",
        '[tool.gatekeeper.publish]\ngates = ["sast"]\nforbidden = ["docs"]\nfail_on = "high"\n',
    )
    publish = load_policy(tmp_path).policy.publish
    assert publish.gates == ["sast"] and publish.forbidden == ["docs"]
    assert publish.fail_on is Severity.HIGH and publish.max_file_bytes == 2 << 20
