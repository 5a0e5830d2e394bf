"""SARIF 2.1.0 for code scanning: one run, every rule gatekeeper has, waivers as suppressions.

``tool.driver.rules`` lists the full rule registry (:func:`gatekeeper.rules.all_rules`), then any
rule a finding used that the registry does not know; ``ruleIndex`` points into that list.
Security rules (those with a CWE) carry GitHub's ``security-severity`` and CWE tags. Severity →
level: critical/high → error, medium → warning, low/info → note. A finding without a location
points at the policy file (GitHub rejects results without one). Our fingerprint goes in
``partialFingerprints`` so code scanning tracks an alert across runs; in PR mode (``--base``)
every result carries ``baselineState`` (``unchanged`` for pre-existing findings, ``new``
otherwise). Errored and skipped gates become tool execution notifications.
"""

from __future__ import annotations

import json
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from gatekeeper.model import Severity, Status
from gatekeeper.report.interface import TOOL_NAME, TOOL_URI, Reporter, finding_data

if TYPE_CHECKING:
    from gatekeeper.model import Finding, JudgedFinding, Location, Report, Rule

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
SARIF_VERSION = "2.1.0"
FINGERPRINT_KEY = "gatekeeper/v1"
ROOT_ID = "SRCROOT"

LEVELS = {
    Severity.CRITICAL: "error",
    Severity.HIGH: "error",
    Severity.MEDIUM: "warning",
    Severity.LOW: "note",
    Severity.INFO: "note",
}

#: GitHub's ``security-severity`` for each severity, inside its bands (critical 9.0+, high
#: 7.0-8.9, medium 4.0-6.9, low 0.1-3.9). Info has none: it is not a vulnerability.
SECURITY_SEVERITY = {
    Severity.CRITICAL: 9.5,
    Severity.HIGH: 8.0,
    Severity.MEDIUM: 5.5,
    Severity.LOW: 2.0,
}


def artifact_location(path: str) -> dict[str, str]:
    """A relative URI against the source root, or a file URI for an absolute path."""
    if PurePosixPath(path).is_absolute():
        return {"uri": "file://" + quote(path)}
    return {"uri": quote(path), "uriBaseId": ROOT_ID}


def anchor(report: Report) -> str:
    """Where a finding without a location is shown: the policy file that made it a finding.

    GitHub code scanning rejects a whole upload when one result has no location, so findings
    about the repository as a whole (a total below threshold) point at the repository's policy
    file: the last policy source inside the root, else ``pyproject.toml``.
    """
    root = PurePosixPath(report.root)
    for source in reversed(report.policy_sources):
        path = PurePosixPath(source)
        if source.startswith("<"):
            continue
        if not path.is_absolute():
            return path.as_posix()
        if path.is_relative_to(root):
            return path.relative_to(root).as_posix()
    return "pyproject.toml"


def _region(location: Location) -> dict[str, int] | None:
    if location.line is None:
        return None
    region = {"startLine": location.line}
    if location.column is not None:
        region["startColumn"] = location.column
    if location.end_line is not None and location.end_line >= location.line:
        region["endLine"] = location.end_line
    return region


def _security_severity(severity: Severity, finding: Finding | None = None) -> str | None:
    """A score as GitHub wants it (a string): the finding's CVSS base score if it has a vector,
    else the representative score of its severity."""
    vector = finding.data.get("cvss_vector") if finding is not None else None
    if isinstance(vector, str):
        from gatekeeper.advisories.severity import base_score

        score = base_score(vector)
        if score is not None:
            return f"{score:.1f}"
    score = SECURITY_SEVERITY.get(severity)
    return None if score is None else f"{score:.1f}"


def rule_descriptor(rule: Rule) -> dict[str, Any]:
    properties: dict[str, Any] = {"tags": ["quality"]}
    if rule.security:
        properties["tags"] = ["security", f"external/cwe/cwe-{rule.cwe}"]
        score = _security_severity(rule.severity)
        if score is not None:
            properties["security-severity"] = score
    return {
        "id": rule.id,
        "name": rule.title,
        "shortDescription": {"text": rule.title},
        "fullDescription": {"text": rule.description or rule.title},
        "helpUri": rule.help_uri,
        "defaultConfiguration": {"level": LEVELS[rule.severity]},
        "properties": properties,
    }


def _unregistered(finding: Finding) -> dict[str, Any]:
    """A descriptor for a rule the registry does not know, from what its finding says."""
    title = finding.title or finding.rule_id
    rule: dict[str, Any] = {
        "id": finding.rule_id,
        "name": title,
        "shortDescription": {"text": title},
        "defaultConfiguration": {"level": LEVELS[finding.severity]},
    }
    if finding.help_uri is not None:
        rule["helpUri"] = finding.help_uri
    return rule


def _result(
    judged: JudgedFinding, gate: str, rule_index: int, security: bool, pr_mode: bool, fallback: str
) -> dict[str, Any]:
    f = judged.finding
    result: dict[str, Any] = {
        "ruleId": f.rule_id,
        "ruleIndex": rule_index,
        "level": LEVELS[f.severity],
        "message": {"text": f.message},
    }
    physical: dict[str, Any]
    if f.location is not None:
        physical = {"artifactLocation": artifact_location(f.location.path)}
        region = _region(f.location)
        if region is not None:
            physical["region"] = region
    else:
        physical = {"artifactLocation": artifact_location(fallback)}
    result["locations"] = [{"physicalLocation": physical}]
    result["partialFingerprints"] = {FINGERPRINT_KEY: f.fingerprint}
    if judged.waived_by is not None:
        reason = judged.waiver_reason or f"waived by policy waiver {judged.waived_by}"
        result["suppressions"] = [{"kind": "external", "justification": reason}]
    if pr_mode:
        result["baselineState"] = "unchanged" if judged.pre_existing else "new"
    properties: dict[str, Any] = {
        "gate": gate,
        "severity": f.severity.value,
        "blocking": judged.blocking,
        "data": finding_data(f),
    }
    score = _security_severity(f.severity, f) if security else None
    if score is not None:
        properties["security-severity"] = score
    result["properties"] = properties
    return result


def _notifications(report: Report) -> list[dict[str, Any]]:
    notes = []
    for gate in report.gates:
        if gate.status is Status.ERRORED:
            level = "error"
        elif gate.status is Status.SKIPPED:
            level = "note"
        else:
            continue
        notes.append(
            {
                "level": level,
                "message": {"text": f"gate {gate.name} {gate.status.value}: {gate.reason}"},
                "descriptor": {"id": gate.name},
            }
        )
    return notes


def sarif_dict(report: Report) -> dict[str, Any]:
    from gatekeeper.rules import all_rules

    registry = all_rules()
    rules = [rule_descriptor(rule) for rule in registry]
    index = {rule.id: i for i, rule in enumerate(registry)}
    security = {rule.id for rule in registry if rule.security}
    results = []
    pr_mode = report.base_ref is not None
    fallback = anchor(report)
    for gate in report.gates:
        for judged in gate.findings:
            rule_id = judged.finding.rule_id
            if rule_id not in index:
                index[rule_id] = len(rules)
                rules.append(_unregistered(judged.finding))
            results.append(
                _result(judged, gate.name, index[rule_id], rule_id in security, pr_mode, fallback)
            )
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": TOOL_NAME,
                "version": report.tool_version,
                "informationUri": TOOL_URI,
                "rules": rules,
            }
        },
        "invocations": [
            {
                "executionSuccessful": report.summary.gates_errored == 0,
                "exitCode": report.exit_code,
                "toolExecutionNotifications": _notifications(report),
            }
        ],
        "results": results,
    }
    if PurePosixPath(report.root).is_absolute():
        root_uri = artifact_location(report.root)["uri"].rstrip("/") + "/"
        run["originalUriBaseIds"] = {ROOT_ID: {"uri": root_uri}}
    return {"$schema": SARIF_SCHEMA, "version": SARIF_VERSION, "runs": [run]}


class SarifReporter(Reporter):
    def render(self, report: Report) -> str:
        return json.dumps(sarif_dict(report), indent=2, ensure_ascii=False) + "\n"
