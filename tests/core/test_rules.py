"""The rule registry: every gate's rules, unique stable IDs, and the README table kept in step."""

from __future__ import annotations

import importlib
import re

from gatekeeper.gates import GATES, gate_class
from gatekeeper.model import Rule, Severity
from gatekeeper.rules import RULE_MODULES, RULES, all_rules, markdown_table
from tests.report.conftest import REPO_ROOT

#: Our IDs (the area is three letters, or four for the certificate rules), or bandit's.
RULE_ID = re.compile(r"^(GK-[A-Z]{3,4}-\d{3}|B\d{3})$")
START, END = "<!-- rules:start -->", "<!-- rules:end -->"


def test_registry_has_every_gates_rules_ordered_and_unique() -> None:
    rules = all_rules()
    ids = [rule.id for rule in rules]
    assert len(ids) == len(set(ids)), "a rule ID is declared twice"
    assert ids == sorted(ids)
    bad = [i for i in ids if not RULE_ID.match(i)]
    assert not bad, f"rule IDs not matching {RULE_ID.pattern}: {bad}"
    for name in GATES:
        assert gate_class(name).rules, f"gate {name} declares no rules"
        assert set(gate_class(name).rules) <= set(rules)
    assert set(RULES) <= set(rules)
    for module in RULE_MODULES:
        assert set(importlib.import_module(module).RULES) <= set(rules)
    assert all(rule.title and rule.description for rule in rules)
    assert any(r.id == "B602" for r in rules)  # bandit's, keeping its test IDs
    assert {r.id[:6] for r in rules if r.id.startswith("GK-")} == {
        "GK-AUD",
        "GK-CER",
        "GK-CFG",
        "GK-COV",
        "GK-POL",
        "GK-REG",
        "GK-PUB",
        "GK-RUN",
        "GK-SST",
        "GK-SEC",
        "GK-SUP",
        "GK-WFL",
    }


def test_readme_rule_table_matches_the_registry() -> None:
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    assert readme.count(START) == 1 and readme.count(END) == 1
    table = readme.split(START)[1].split(END)[0].strip("\n") + "\n"
    assert table == markdown_table(), (
        "README.md's rule table differs from the registry: paste the output of "
        "`python -c 'from gatekeeper.rules import markdown_table; print(markdown_table())'`"
    )


def test_markdown_table_escapes_cells() -> None:
    rule = Rule("GK-TST-001", "a | b", Severity.LOW, cwe=20, description="c")
    assert markdown_table((rule,)).splitlines()[2] == "| GK-TST-001 | a \\| b | low | CWE-20 | c |"
