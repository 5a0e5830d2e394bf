from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from gatekeeper.errors import PolicyError
from gatekeeper.model import Severity
from gatekeeper.policy.load import BUILTIN, builtin_text, load_policy, locate, merge, with_overrides
from gatekeeper.policy.model import Policy

REPO_ROOT = Path(__file__).resolve().parents[2]


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


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
    write(tmp_path / "pyproject.toml", '[project]\nname = "x"\n')
    assert load_policy(tmp_path).sources == (BUILTIN,)


def test_malformed_toml_names_file_and_line(tmp_path: Path) -> None:
    bad = write(tmp_path / "p.toml", "version = 1\n[audit\nfail_on = 'x'\n")
    with pytest.raises(PolicyError) as err:
        load_policy(tmp_path, bad)
    assert err.value.path == str(bad)
    assert err.value.line == 2
    assert str(err.value).startswith(f"{bad}:2: malformed TOML")


def test_unknown_key_is_an_error_with_its_line(tmp_path: Path) -> None:
    bad = write(tmp_path / "p.toml", "version = 1\n\n[audit]\nfail_on = 'high'\nfial_on = 'low'\n")
    with pytest.raises(PolicyError) as err:
        load_policy(tmp_path, bad)
    assert err.value.line == 5
    assert "audit.fial_on: unknown key" in str(err.value)


def test_unknown_section_is_an_error(tmp_path: Path) -> None:
    bad = write(tmp_path / "p.toml", "[covrage]\nlines = 90\n")
    with pytest.raises(PolicyError, match=r"p.toml:1: covrage: unknown key"):
        load_policy(tmp_path, bad)


def test_waiver_without_expiry_points_at_that_waiver(tmp_path: Path) -> None:
    bad = write(
        tmp_path / "p.toml",
        '[[waiver]]\nid = "A"\nreason = "r"\nexpires = 2030-01-01\n\n'
        '[[waiver]]\nid = "B"\nreason = "r"\n',
    )
    with pytest.raises(PolicyError) as err:
        load_policy(tmp_path, bad)
    assert err.value.line == 6
    assert "waiver.1.expires: required key is missing" in str(err.value)


def test_invalid_value_in_pyproject_overlay_blames_pyproject(tmp_path: Path) -> None:
    pyproject = write(
        tmp_path / "pyproject.toml",
        '[project]\nname = "x"\n\n[tool.gatekeeper.coverage]\nlines = 120\nbranches = 101\n',
    )
    with pytest.raises(PolicyError) as err:
        load_policy(tmp_path)
    assert err.value.path == str(pyproject)
    assert err.value.line == 5
    assert "coverage.lines" in str(err.value)
    assert "(and 1 more problem)" in str(err.value)


def test_bad_severity_and_several_problems(tmp_path: Path) -> None:
    bad = write(tmp_path / "p.toml", '[audit]\nfail_on = "urgent"\nmax_age_days = -1\nx = 1\n')
    with pytest.raises(PolicyError) as err:
        load_policy(tmp_path, bad)
    assert "unknown severity 'urgent'" in str(err.value)
    assert "(and 2 more problems)" in str(err.value)


def test_tool_gatekeeper_must_be_a_table(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", '[tool]\ngatekeeper = "on"\n')
    with pytest.raises(PolicyError, match="must be a table"):
        load_policy(tmp_path)


def test_missing_and_unreadable_policy_files(tmp_path: Path) -> None:
    with pytest.raises(PolicyError, match="policy file not found"):
        load_policy(tmp_path, tmp_path / "missing.toml")
    binary = tmp_path / "bin.toml"
    binary.write_bytes(b"\xff\xfe\x00")
    with pytest.raises(PolicyError, match="cannot read policy file: UnicodeDecodeError"):
        load_policy(tmp_path, binary)


def test_merge_rules() -> None:
    base = {"a": {"x": 1, "y": [1]}, "waiver": [1], "s": 1}
    overlay = {"a": {"y": [2]}, "waiver": [2], "s": {"t": 1}, "n": 3}
    assert merge(base, overlay) == {
        "a": {"x": 1, "y": [2]},
        "waiver": [1, 2],
        "s": {"t": 1},
        "n": 3,
    }


@pytest.mark.parametrize(
    ("text", "loc", "line"),
    [
        ("a = 1\n[b]\nc = 2\n", ["b", "c"], 3),
        ("a = 1\n[b]\nc = 2\n", ["a"], 1),
        ("a = 1\n[b]\nc = 2\n", ["b", "missing"], 2),  # the table header
        ("[b]\nc = 2\n[d]\nmissing = 1\n", ["b", "missing"], 1),  # stops at the next table
        ("[[w]]\nid = 1\n[[w]]\nid = 2\n", ["w", 1, "id"], 4),
        ("[[w]]\nid = 1\n", ["w", 5, "id"], None),  # no such array entry, no top-level key
        ("x = 1\n", ["nothing"], None),
        ("[b]\n", [], None),
        ('"quoted" = 1\n', ["quoted"], 1),
    ],
)
def test_locate(text: str, loc: list[str | int], line: int | None) -> None:
    assert locate(text, loc) == line


def test_locate_with_prefix() -> None:
    text = '[project]\nname = "x"\n[tool.gatekeeper.audit]\nfail_on = "x"\n'
    assert locate(text, ["audit", "fail_on"], ("tool", "gatekeeper")) == 4


def test_with_overrides_validates() -> None:
    policy = Policy()
    changed = with_overrides(policy, {"audit": {"files": ["r.txt"]}})
    assert changed.audit.files == ["r.txt"]
    assert policy.audit.files == []
    with pytest.raises(PolicyError, match="<command line>: audit.fail_on"):
        with_overrides(policy, {"audit": {"fail_on": "bogus"}})


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
