"""The policy validator: every constraint, every type mistake, all problems in one pass."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gatekeeper.model import Severity
from gatekeeper.policy.model import (
    AuditPolicy,
    CertsCA,
    CertsPolicy,
    CertsRole,
    CertsService,
    ConfigPolicy,
    CoveragePolicy,
    InternalPolicy,
    Policy,
    Waiver,
)
from gatekeeper.policy.validate import (
    InvalidPolicy,
    Problem,
    as_mapping,
    from_mapping,
    read,
)

WAIVER: dict[str, Any] = {"id": "GHSA-1", "reason": "r", "expires": dt.date(2030, 1, 1)}


def problems(data: dict[str, Any], cls: type = Policy) -> list[str]:
    return [f"{p.dotted}: {p.message}" for p in read(cls, data)[1]]


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        # version
        ({"version": 2}, "version: must be >= 1 and <= 1, got 2"),
        ({"version": True}, "version: expected an integer, got a boolean"),
        ({"version": 1.0}, "version: expected an integer, got a float"),
        # sections must be tables
        ({"audit": "x"}, "audit: expected a table, got a string"),
        ({"waiver": {"id": "x"}}, "waiver: expected an array, got a table"),
        ({"waiver": ["x"]}, "waiver.0: expected a table, got a string"),
        # the keys every gate has
        ({"coverage": {"enabled": "yes"}}, "coverage.enabled: expected a boolean, got a string"),
        ({"config": {"fail_on": 3}}, "config.fail_on: expected a severity name, got an integer"),
        ({"certs": {"fail_on_dev": 0}}, "certs.fail_on_dev: expected a boolean, got an integer"),
        # [internal]
        ({"internal": {"prefixes": "corp-"}}, "internal.prefixes: expected an array, got a string"),
        (
            {"internal": {"prefixes": ["a", 1]}},
            "internal.prefixes.1: expected a string, got an integer",
        ),
        ({"internal": {"index_url": 1}}, "internal.index_url: expected a string, got an integer"),
        # [coverage]
        ({"coverage": {"lines": 100.01}}, "coverage.lines: must be >= 0 and <= 100, got 100.01"),
        ({"coverage": {"branches": -1}}, "coverage.branches: must be >= 0 and <= 100, got -1"),
        ({"coverage": {"lines": float("nan")}}, "coverage.lines: must be >= 0 and <= 100, got nan"),
        ({"coverage": {"lines": True}}, "coverage.lines: expected a number, got a boolean"),
        ({"coverage": {"command": []}}, "coverage.command: must have at least 1 item"),
        (
            {"coverage": {"command": [1, 2]}},
            "coverage.command.0: expected a string, got an integer",
        ),
        ({"coverage": {"data": ""}}, "coverage.data: must not be empty"),
        ({"coverage": {"source": [[]]}}, "coverage.source.0: expected a string, got an array"),
        # [audit]
        ({"audit": {"unknown_severity": "bad"}}, "audit.unknown_severity: unknown severity 'bad'"),
        ({"audit": {"hard_max_age_days": -1}}, "audit.hard_max_age_days: must be >= 0, got -1"),
        ({"audit": {"max_age_days": "2"}}, "audit.max_age_days: expected an integer, got a string"),
        ({"audit": {"application": 1}}, "audit.application: expected a boolean, got an integer"),
        ({"audit": {"resolve": "no"}}, "audit.resolve: expected a boolean, got a string"),
        (
            {"audit": {"files": [dt.date(2030, 1, 1)]}},
            "audit.files.0: expected a string, got a date",
        ),
        ({"audit": {"db": dt.time(1, 2)}}, "audit.db: expected a string, got a time"),
        ({"audit": {"environment": []}}, "audit.environment: expected a table, got an array"),
        (
            {"audit": {"environment": {"sys_platform": 1}}},
            "audit.environment.sys_platform: expected a string, got an integer",
        ),
        (
            {"audit": {"environment": {"sys_platfrom": "linux"}}},
            "audit.environment.sys_platfrom: unknown marker variable 'sys_platfrom': use "
            "implementation_name, ",
        ),
        # [config]
        ({"config": {"services": "svc"}}, "config.services: expected an array, got a string"),
        # [[waiver]]
        ({"waiver": [{**WAIVER, "id": ""}]}, "waiver.0.id: must not be empty"),
        ({"waiver": [{"id": "x", "reason": "r"}]}, "waiver.0.expires: required key is missing"),
        ({"waiver": [{"reason": "r", "expires": "2030-01-01"}]}, "waiver.0.id: required key is"),
        (
            {"waiver": [{**WAIVER, "expires": dt.datetime(2030, 1, 1, 12)}]},
            "waiver.0.expires: expected a date (YYYY-MM-DD), got a date-time",
        ),
        (
            {"waiver": [{**WAIVER, "expires": "soon"}]},
            "waiver.0.expires: expected a date (YYYY-MM-DD), got a string",
        ),
        (
            {"waiver": [{**WAIVER, "reason": None}]},
            "waiver.0.reason: expected a string, got NoneType",
        ),
        ({"waiver": [{**WAIVER, "path": 3}]}, "waiver.0.path: expected a string, got an integer"),
        # unknown keys: a suggestion when one is close, else the known keys
        ({"internal": {"prefix": []}}, "internal.prefix: unknown key (did you mean 'prefixes'?)"),
        ({"zzz": 1}, "zzz: unknown key (known: version, internal, coverage, audit, config,"),
        (
            {"waiver": [{**WAIVER, "expiry": 1}]},
            "waiver.0.expiry: unknown key (did you mean 'expires'?)",
        ),
        (
            {"certs": {"ca": {"organisation": "x"}}},
            "certs.ca.organisation: unknown key (did you mean 'organization'?)",
        ),
        (
            {"certs": {"services": [{"name": "a", "san": []}]}},
            "certs.services.0.san: unknown key (did",
        ),
    ],
)
def test_each_mistake_is_one_problem_at_its_key(data: dict[str, Any], problem: str) -> None:
    found = problems(data)
    assert len(found) == 1, found
    assert found[0].startswith(problem), found


def test_every_problem_is_reported_in_one_pass() -> None:
    data = {
        "version": 3,
        "coverage": {"lines": 101, "command": "pytest", "typo": 1},
        "audit": {"fail_on": "urgent"},
        "certs": {"roles": {"service": {"key_types": ["dsa"]}}, "services": [{"role": "x"}]},
        "waiver": [{"id": "A"}],
    }
    assert [p.split(":")[0] for p in problems(data)] == [
        "version",
        "coverage.lines",
        "coverage.command",
        "coverage.typo",
        "audit.fail_on",
        "certs.roles.service.key_types.0",
        "certs.services.0.name",
        "certs.services.0.role",
        "waiver.0.expires",
    ]


def test_values_are_read_and_converted() -> None:
    policy = from_mapping(
        Policy,
        {
            "internal": {"prefixes": ["acme-"], "index_url": "https://devpi/+simple/"},
            "coverage": {"lines": 90, "data": ".coverage", "fail_on": "info"},
            "audit": {
                "fail_on": "Moderate",
                "unknown_severity": Severity.CRITICAL,
                "environment": {"sys_platform": "linux"},
                "files": ("a.txt",),
            },
            "certs": {
                "roles": {"edge": {"allowed_domains": [" Example.COM. "]}},
                "services": [{"name": "api", "ips": ["::0001"], "role": "edge"}],
            },
            "waiver": [{**WAIVER, "expires": "2030-01-02", "path": "src/*"}],
        },
    )
    assert policy.internal == InternalPolicy(prefixes=["acme-"], index_url="https://devpi/+simple/")
    assert policy.coverage.lines == 90.0 and isinstance(policy.coverage.lines, float)
    assert policy.coverage.fail_on is Severity.INFO
    assert policy.audit.fail_on is Severity.MEDIUM
    assert policy.audit.unknown_severity is Severity.CRITICAL
    assert policy.audit.environment == {"sys_platform": "linux"}
    assert policy.audit.files == ["a.txt"]
    assert policy.certs.roles["edge"].allowed_domains == ["example.com"]
    assert policy.certs.services == [CertsService(name="api", ips=["::1"], role="edge")]
    assert policy.waiver == [
        Waiver(id="GHSA-1", reason="r", expires=dt.date(2030, 1, 2), path="src/*")
    ]


@pytest.mark.parametrize(
    "cls",
    [
        Policy,
        InternalPolicy,
        CoveragePolicy,
        AuditPolicy,
        ConfigPolicy,
        CertsPolicy,
        CertsCA,
        CertsRole,
    ],
)
def test_an_empty_table_gives_the_defaults(cls: type) -> None:
    assert from_mapping(cls, {}) == cls()


def test_each_section_can_be_read_on_its_own() -> None:
    assert from_mapping(CertsService, {"name": "api"}) == CertsService(name="api")
    assert from_mapping(Waiver, WAIVER) == Waiver(**WAIVER)
    with pytest.raises(InvalidPolicy) as err:
        from_mapping(CertsRole, {"max_ttl": "1d"}, "<test>")
    assert str(err.value) == "<test>: default_ttl: default_ttl is longer than max_ttl (1d)"
    assert (err.value.path, err.value.line) == ("<test>", None)


def test_optional_keys_accept_none_from_overrides() -> None:
    audit = from_mapping(AuditPolicy, {"db": None, "env": None, "osv_url": "https://osv/"})
    assert (audit.db, audit.env, audit.osv_url) == (None, None, "https://osv/")


def test_the_default_policy_round_trips_through_as_mapping() -> None:
    data = as_mapping(Policy())
    assert data["audit"]["fail_on"] == "high"
    assert "db" not in data["audit"]  # TOML has no null: unset keys are left out
    assert from_mapping(Policy, data) == Policy()


def test_a_problem_renders_with_and_without_a_place() -> None:
    assert str(Problem(("a", 0, "b"), "bad")) == "a.0.b: bad"
    assert str(Problem(("a",), "bad", "f.toml")) == "f.toml: a: bad"
    assert str(Problem(("a",), "bad", "f.toml", 3)) == "f.toml:3: a: bad"
    assert str(Problem((), "bad", "f.toml", 3)) == "f.toml:3: (top level): bad"


@given(
    lines=st.floats(min_value=0, max_value=100),
    days=st.integers(min_value=0, max_value=10_000),
    fraction=st.floats(min_value=0, max_value=1, exclude_min=True, exclude_max=True),
    names=st.lists(
        st.from_regex(r"[a-z0-9][a-z0-9_-]{0,10}[a-z0-9]", fullmatch=True), max_size=4, unique=True
    ),
)
def test_values_in_range_are_accepted_and_round_trip(
    lines: float, days: int, fraction: float, names: list[str]
) -> None:
    data = {
        "coverage": {"lines": lines, "branches": lines},
        "audit": {"max_age_days": days},
        "certs": {"renew_fraction": fraction, "services": [{"name": n} for n in names]},
    }
    policy = from_mapping(Policy, data)
    assert (policy.coverage.lines, policy.audit.max_age_days) == (lines, days)
    assert [s.name for s in policy.certs.services] == names
    assert from_mapping(Policy, as_mapping(policy)) == policy


@given(value=st.one_of(st.floats(max_value=0), st.floats(min_value=1), st.booleans(), st.text()))
def test_renew_fraction_outside_its_open_interval_is_a_problem(value: object) -> None:
    assert [p.key for p in read(Policy, {"certs": {"renew_fraction": value}})[1]] == [
        ("certs", "renew_fraction")
    ]


@given(value=st.one_of(st.integers(max_value=-1), st.booleans(), st.floats(), st.text()))
def test_a_negative_or_non_integer_day_count_is_a_problem(value: object) -> None:
    found = read(Policy, {"certs": {"warn_days": value}, "audit": {"max_age_days": value}})[1]
    assert [p.key for p in found] == [("audit", "max_age_days"), ("certs", "warn_days")]
