"""The JSON report: a stable, versioned document (``schema_version``) other tools parse.

Shape::

    {schema_version, verdict, exit_code, tool: {name, version}, root, base_ref, policy_sources,
     summary, gates: [{name, status, reason?, metrics, duration_s, findings: [
        {rule_id, severity, title?, message, location{path, line, column}?, help_uri?,
         fingerprint, data, blocking, waived_by?, waiver_reason?, pre_existing?}]}]}

Optional keys are left out when they have no value (``pre_existing`` when false). ``data`` also
carries the finding's typed ``ids`` (advisory ID and aliases) and ``scope`` when they are set.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from gatekeeper.report.interface import TOOL_NAME, Reporter, finding_data, plain

if TYPE_CHECKING:
    from gatekeeper.model import GateReport, JudgedFinding, Report, Summary


def finding_dict(judged: JudgedFinding) -> dict[str, Any]:
    f = judged.finding
    out: dict[str, Any] = {"rule_id": f.rule_id, "severity": f.severity.value}
    if f.title is not None:
        out["title"] = f.title
    out["message"] = f.message
    if f.location is not None:
        loc = f.location
        out["location"] = {"path": loc.path, "line": loc.line, "column": loc.column}
    if f.help_uri is not None:
        out["help_uri"] = f.help_uri
    out["fingerprint"] = f.fingerprint
    out["data"] = finding_data(f)
    out["blocking"] = judged.blocking
    if judged.waived_by is not None:
        out["waived_by"] = judged.waived_by
        out["waiver_reason"] = judged.waiver_reason
    if judged.pre_existing:
        out["pre_existing"] = True
    return out


def gate_dict(gate: GateReport) -> dict[str, Any]:
    out: dict[str, Any] = {"name": gate.name, "status": gate.status.value}
    if gate.reason is not None:
        out["reason"] = gate.reason
    out["metrics"] = plain(gate.metrics)
    out["duration_s"] = round(gate.duration_s, 3)
    out["findings"] = [finding_dict(j) for j in gate.findings]
    return out


def summary_dict(summary: Summary) -> dict[str, Any]:
    return {
        "total": summary.total,
        "blocking": summary.blocking,
        "waived": summary.waived,
        "pre_existing": summary.pre_existing,
        "by_severity": plain(summary.by_severity),
        "gates_passed": summary.gates_passed,
        "gates_failed": summary.gates_failed,
        "gates_skipped": summary.gates_skipped,
        "gates_errored": summary.gates_errored,
    }


def report_dict(report: Report) -> dict[str, Any]:
    return {
        "schema_version": report.schema_version,
        "verdict": report.verdict.value,
        "exit_code": report.exit_code,
        "tool": {"name": TOOL_NAME, "version": report.tool_version},
        "root": report.root,
        "base_ref": report.base_ref,
        "policy_sources": list(report.policy_sources),
        "summary": summary_dict(report.summary),
        "gates": [gate_dict(g) for g in report.gates],
    }


class JsonReporter(Reporter):
    def render(self, report: Report) -> str:
        return json.dumps(report_dict(report), indent=2, ensure_ascii=False) + "\n"
