"""Every rule gatekeeper reports, in one list: the runner's own (waivers), each gate's, and
``gatekeeper registry check``'s.

Gates declare their rules as module constants and list them in ``Gate.rules``. The README's rule
table and SARIF's ``tool.driver.rules`` both come from :func:`all_rules` (a test keeps the README
in step), so a new gate's rules are published without another list to maintain.
"""

from __future__ import annotations

import functools

from gatekeeper.model import Rule, Severity

WAIVER_EXPIRED = Rule(
    "GK-POL-001",
    "Expired waiver",
    Severity.HIGH,
    description="A waiver past its expiry date; it waives nothing until renewed with a reason.",
)
WAIVER_NO_REASON = Rule(
    "GK-POL-002",
    "Waiver without a reason",
    Severity.HIGH,
    description="A waiver with an empty reason; it waives nothing.",
)
WAIVER_UNUSED = Rule(
    "GK-POL-003",
    "Unused waiver",
    Severity.INFO,
    description="On a full run, a waiver that matched no finding: remove it.",
)
NOTHING_CHECKED = Rule(
    "GK-POL-004",
    "Nothing was checked",
    Severity.HIGH,
    description="Every gate of the run was skipped: a run that checked nothing never passes.",
)
BASELINE_STALE = Rule(
    "GK-POL-005",
    "Stale baseline entry",
    Severity.INFO,
    description="An entry of a gate's counted baseline (`baseline` in its policy section) that "
    "hid fewer findings than its count: the accepted problem is gone; rewrite the baseline.",
)
#: The runner's rules about the policy and the run itself.
RULES: tuple[Rule, ...] = (
    WAIVER_EXPIRED,
    WAIVER_NO_REASON,
    WAIVER_UNUSED,
    NOTHING_CHECKED,
    BASELINE_STALE,
)

#: Modules besides the gates whose ``RULES`` are published: ``registry check``'s lint and the
#: checks of a package before it is published to the internal index.
RULE_MODULES: tuple[str, ...] = (
    "gatekeeper.registry.lint",
    "gatekeeper.registry.publish",
    "gatekeeper.registry.artifacts",
    "gatekeeper.registry.vet",
    "gatekeeper.registry.versions",
    "gatekeeper.registry.semver",
)


@functools.cache
def all_rules() -> tuple[Rule, ...]:
    """Every rule, ordered by ID. Imports each gate (only when called: reporters, README test)."""
    import importlib

    from gatekeeper.gates import GATES, gate_class

    rules = list(RULES)
    for name in GATES:
        rules += gate_class(name).rules
    for module in RULE_MODULES:
        rules += importlib.import_module(module).RULES
    return tuple(sorted(rules, key=lambda rule: rule.id))


def markdown_table(rules: tuple[Rule, ...] | None = None) -> str:
    """The README's rule table (``rules`` defaults to :func:`all_rules`)."""
    lines = [
        "| ID | title | default severity | CWE | description |",
        "| --- | --- | --- | --- | --- |",
    ]
    for rule in all_rules() if rules is None else rules:
        cwe = f"CWE-{rule.cwe}" if rule.cwe is not None else ""
        cells = (rule.id, rule.title, rule.severity.value, cwe, rule.description)
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return "\n".join(lines) + "\n"
