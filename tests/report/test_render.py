"""Every reporter against its golden file, plus the behaviour each format promises."""

from __future__ import annotations

import dataclasses
import json
import re
import subprocess
import sys

import pytest

from gatekeeper.gates.audit import VULNERABLE
from gatekeeper.model import Finding, GateReport, JudgedFinding, Report, Rule, Severity, Status
from gatekeeper.report import REPORTERS, get_reporter, render
from gatekeeper.report.github import command, escape_data, escape_property
from gatekeeper.report.interface import Reporter, disposition, plain
from gatekeeper.report.markdown import MAX_ROWS
from gatekeeper.report.sarif import anchor, artifact_location, rule_descriptor
from gatekeeper.rules import all_rules
from gatekeeper.runner import summarize
from tests.report.conftest import check_golden, failing_report, passing_report

EXTENSIONS = {"text": "txt", "json": "json", "sarif": "sarif", "github": "txt", "markdown": "md"}
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def _normalized(fmt: str, text: str) -> str:
    """Timing never enters a golden comparison."""
    if fmt != "json":
        return text
    doc = json.loads(text)
    for gate in doc["gates"]:
        assert isinstance(gate["duration_s"], float)
        gate["duration_s"] = 0.0
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


@pytest.mark.parametrize("fmt", sorted(REPORTERS))
def test_golden(fmt: str, named_report: tuple[str, Report]) -> None:
    name, report = named_report
    text = render(report, fmt, color=False)
    assert text.endswith("\n") or (fmt == "github" and text == "")
    check_golden(f"{name}.{fmt}.{EXTENSIONS[fmt]}", _normalized(fmt, text))


def test_rendering_is_deterministic() -> None:
    for fmt in REPORTERS:
        assert render(failing_report(), fmt) == render(failing_report(), fmt)


def test_unknown_format_names_the_choices() -> None:
    with pytest.raises(ValueError, match="unknown format 'xml'; choose from text, json"):
        render(passing_report(), "xml")


def test_get_reporter_returns_a_reporter() -> None:
    reporter = get_reporter("markdown", color=True)
    assert isinstance(reporter, Reporter)
    assert reporter.color is True


def test_color_text_is_rich_and_says_the_same() -> None:
    report = failing_report()
    colored = render(report, "text", color=True)
    assert "\x1b[" in colored
    stripped = "".join(line.rstrip() + "\n" for line in ANSI.sub("", colored).splitlines())
    assert stripped == render(report, "text", color=False)


@pytest.mark.slow
def test_plain_renderers_do_not_import_rich() -> None:
    code = (
        "import sys\n"
        "from tests.report.conftest import failing_report\n"
        "from gatekeeper.report import render\n"
        "for fmt in ('text', 'json', 'sarif', 'github', 'markdown'):\n"
        "    render(failing_report(), fmt, color=False)\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('rich', 'pydantic')))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert proc.stdout.strip() == "[]"


def test_json_shape() -> None:
    doc = json.loads(render(failing_report(), "json"))
    assert list(doc) == [
        "schema_version",
        "verdict",
        "exit_code",
        "tool",
        "root",
        "base_ref",
        "policy_sources",
        "summary",
        "gates",
    ]
    assert doc["schema_version"] == "1.0"
    assert doc["tool"] == {"name": "gatekeeper", "version": "1.2.3"}
    assert doc["verdict"] == "failed"
    assert doc["exit_code"] == 2
    coverage, audit, config, certs, _policy = doc["gates"]
    assert config == {
        "name": "config",
        "status": "skipped",
        "reason": "no services configured",
        "metrics": {},
        "duration_s": 0.01,
        "findings": [],
    }
    assert certs["status"] == "errored"
    assert "reason" not in coverage
    blocking, _branch, waived, old = coverage["findings"]
    assert blocking["location"] == {"path": "src/app/core.py", "line": 10, "column": None}
    assert blocking["data"] == {"changed": True, "lines": [10, 14]}
    assert blocking["blocking"] is True
    assert "waived_by" not in blocking and "pre_existing" not in blocking
    assert waived["waived_by"] == "GK-COV-001" and waived["blocking"] is False
    assert old["pre_existing"] is True
    info = audit["findings"][1]
    assert "location" not in info and "title" not in info and "help_uri" not in info
    assert audit["findings"][0]["data"] == {
        "cvss_vector": "CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:L/I:N/A:N",
        "ids": ["PYSEC-1", "CVE-1"],
        "scope": "dev",
    }


def test_sarif_mapping() -> None:
    doc = json.loads(render(failing_report(), "sarif"))
    assert doc["version"] == "2.1.0"
    (run,) = doc["runs"]
    rules = run["tool"]["driver"]["rules"]
    registry = all_rules()
    # every rule, fired or not, in registry order; then the rules the registry does not know
    assert [r["id"] for r in rules] == [*(r.id for r in registry), "GK-TST-901"]
    by_id = {r["id"]: r for r in rules}
    lines = by_id["GK-COV-001"]
    assert lines["helpUri"] == "https://gatekeeper.internal/docs/rules#GK-COV-001"
    assert lines["shortDescription"] == {"text": "Lines not covered"}
    assert lines["fullDescription"]["text"].startswith("A contiguous range of statements")
    assert lines["properties"] == {"tags": ["quality"]}
    assert by_id["GK-CFG-002"]["properties"] == {
        "tags": ["security", "external/cwe/cwe-798"],
        "security-severity": "8.0",
    }
    assert by_id["GK-CERT-001"]["properties"]["security-severity"] == "9.5"
    assert by_id["GK-CERT-003"]["properties"]["security-severity"] == "5.5"
    assert by_id["GK-TST-901"] == {
        "id": "GK-TST-901",
        "name": "GK-TST-901",
        "shortDescription": {"text": "GK-TST-901"},
        "defaultConfiguration": {"level": "note"},
    }
    results = run["results"]
    levels = [r["level"] for r in results]
    assert levels == ["warning", "error", "warning", "warning", "note", "note", "note"]
    assert [rules[r["ruleIndex"]]["id"] for r in results] == [r["ruleId"] for r in results]
    # the CVSS base score of the advisory's vector, not the representative score of "low"
    assert results[4]["properties"]["security-severity"] == "4.3"
    assert all("security-severity" not in r["properties"] for r in results[:4] + results[5:])
    assert results[0]["partialFingerprints"] == {"gatekeeper/v1": "fp-GK-COV-001-lines_10-14_"}
    assert results[0]["locations"][0]["physicalLocation"] == {
        "artifactLocation": {"uri": "src/app/core.py", "uriBaseId": "SRCROOT"},
        "region": {"startLine": 10, "endLine": 14},
    }
    assert results[1]["locations"][0]["physicalLocation"]["region"] == {
        "startLine": 7,
        "startColumn": 5,
    }
    assert results[2]["suppressions"] == [
        {"kind": "external", "justification": "legacy module, rewrite tracked in SEC-42"}
    ]
    assert "suppressions" not in results[0]
    assert [r["baselineState"] for r in results] == [
        "new",
        "new",
        "new",
        "unchanged",
        "new",
        "new",
        "new",
    ]
    assert results[5]["locations"][0]["physicalLocation"] == {
        "artifactLocation": {"uri": "pyproject.toml", "uriBaseId": "SRCROOT"}
    }
    assert results[6]["locations"][0]["physicalLocation"] == {
        "artifactLocation": {"uri": "pyproject.toml", "uriBaseId": "SRCROOT"}
    }
    assert run["originalUriBaseIds"] == {"SRCROOT": {"uri": "file:///repo/"}}
    invocation = run["invocations"][0]
    assert invocation["executionSuccessful"] is False
    notes = invocation["toolExecutionNotifications"]
    assert [(n["level"], n["descriptor"]["id"]) for n in notes] == [
        ("note", "config"),
        ("error", "certs"),
    ]


@pytest.mark.parametrize(
    ("severity", "vector", "expected"),
    [
        (Severity.CRITICAL, None, "9.5"),
        (Severity.HIGH, None, "8.0"),
        (Severity.MEDIUM, None, "5.5"),
        (Severity.LOW, None, "2.0"),
        (Severity.INFO, None, None),
        (Severity.LOW, "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", "9.8"),
        (Severity.LOW, "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", "9.3"),
        (Severity.LOW, "AV:N/AC:L/Au:N/C:P/I:P/A:P", "7.5"),
        (Severity.MEDIUM, "CVSS:3.1/AV:bogus", "5.5"),
    ],
)
def test_security_severity_of_a_result(
    severity: Severity, vector: str | None, expected: str | None
) -> None:
    """GitHub's bands: critical 9.0+, high 7.0-8.9, medium 4.0-6.9, low 0.1-3.9."""
    data = {} if vector is None else {"cvss_vector": vector}
    found = VULNERABLE.finding("m", "pkg", severity=severity, data=data)
    report = dataclasses.replace(
        passing_report(),
        gates=(GateReport("audit", Status.PASSED, (JudgedFinding(found, blocking=False),)),),
    )
    (result,) = json.loads(render(report, "sarif"))["runs"][0]["results"]
    assert result["properties"].get("security-severity") == expected
    assert result["partialFingerprints"] == {"gatekeeper/v1": found.fingerprint}


def test_sarif_rule_descriptors_for_info_and_unregistered_rules() -> None:
    info = Rule("GK-TST-001", "Info rule", Severity.INFO, cwe=20)
    assert rule_descriptor(info)["properties"] == {"tags": ["security", "external/cwe/cwe-20"]}
    assert rule_descriptor(info)["fullDescription"] == {"text": "Info rule"}
    bandit = Finding("B999", Severity.HIGH, "shell=True", "fp", None, "https://b.test/B999", "sh")
    report = dataclasses.replace(
        passing_report(),
        gates=(GateReport("sast", Status.FAILED, (JudgedFinding(bandit, blocking=True),)),),
    )
    (run,) = json.loads(render(report, "sarif"))["runs"]
    rule = run["tool"]["driver"]["rules"][run["results"][0]["ruleIndex"]]
    assert rule == {
        "id": "B999",
        "name": "sh",
        "shortDescription": {"text": "sh"},
        "defaultConfiguration": {"level": "error"},
        "helpUri": "https://b.test/B999",
    }
    assert "security-severity" not in run["results"][0]["properties"]


def test_sarif_full_run_has_no_baseline_state() -> None:
    (run,) = json.loads(render(passing_report(), "sarif"))["runs"]
    (result,) = run["results"]
    assert "baselineState" not in result and result["level"] == "note"
    assert "originalUriBaseIds" not in run
    assert run["invocations"][0]["executionSuccessful"] is True


def test_sarif_anchor_for_findings_without_location() -> None:
    report = failing_report()
    assert anchor(report) == "pyproject.toml"
    for sources, expected in [
        (("/repo/policies/default.toml",), "policies/default.toml"),
        (("/elsewhere/org.toml", "<built-in default policy>"), "pyproject.toml"),
        (("<built-in default policy>", "/repo/sub/pyproject.toml"), "sub/pyproject.toml"),
        ((), "pyproject.toml"),
    ]:
        assert anchor(dataclasses.replace(report, policy_sources=sources)) == expected


def test_sarif_artifact_locations() -> None:
    assert artifact_location("a b/c%.py") == {"uri": "a%20b/c%25.py", "uriBaseId": "SRCROOT"}
    assert artifact_location("/abs/x y.py") == {"uri": "file:///abs/x%20y.py"}


def test_github_escaping_follows_the_toolkit() -> None:
    assert escape_data("100% done\r\nnext: a,b") == "100%25 done%0D%0Anext: a,b"
    assert escape_property("a:b,c%\n") == "a%3Ab%2Cc%25%0A"
    assert command("notice", "hi") == "::notice::hi"
    assert (
        command("error", "m", file="a.py", line=None, title="t") == "::error file=a.py,title=t::m"
    )


def test_github_levels() -> None:
    """Errors, then warnings, then notices; in each level gate commands, then ranked findings."""
    lines = render(failing_report(), "github").splitlines()
    assert lines[0] == "::error title=gate certs errored::certs/ca.pem:1: not a PEM certificate"
    assert lines[1].startswith("::error file=src/app/core.py,line=10,endLine=14,title=GK-COV-001 ")
    assert lines[2] == (
        "::error file=src/app/dir with space/a%2Cb%3Ac.py,line=7,col=5,"
        'title=GK-COV-002 Branch never taken::line 7 → 9 never taken: 100%25 | <b> & "q"%0A'
        "second line, 50%25"
    )
    assert lines[3].startswith("::warning file=requirements-dev.txt,line=4,")
    assert lines[4] == "::notice title=gate config skipped::no services configured"
    assert lines[5].startswith("::notice ") and lines[5].endswith("(pre-existing)")
    assert lines[6].startswith("::notice ") and lines[6].endswith("(waived by GK-COV-001)")
    assert lines[7].startswith("::notice file=pyproject.toml,title=GK-POL-003 Unused waiver::")
    assert lines[8] == "::notice title=GK-TST-901::advisory database is 1 day old"
    assert len(lines) == 9


def test_markdown_lists_blocking_findings_and_escapes_cells() -> None:
    text = render(failing_report(), "markdown")
    assert text.startswith("## ❌ gatekeeper: failed (exit 2)\n")
    assert "| coverage | ❌ failed | lines_pct=97.5, branches_pct=90.0, files=3 |  |" in text
    assert '100% \\| &lt;b&gt; &amp; "q"<br>second line, 50%' in text
    blocking = text.split("### Blocking findings")[1].split("<details>")[0]
    assert "GK-COV-002" in blocking and "src/app/old.py" not in blocking
    assert "waived (GK-COV-001)" in text and "pre-existing" in text
    report = failing_report()
    only_blocking = dataclasses.replace(
        report.gates[0], findings=tuple(j for j in report.gates[0].findings if j.blocking)
    )
    text = render(dataclasses.replace(report, gates=(only_blocking,)), "markdown")
    assert "### Blocking findings" in text and "<details>" not in text
    passing = render(passing_report(), "markdown")
    assert "No blocking findings." in passing and "GK-COV-005" in passing


def test_disposition_and_plain() -> None:
    gate = failing_report().gates[0]
    assert [disposition(j) for j in gate.findings] == [
        "blocking",
        "blocking",
        "waived",
        "pre-existing",
    ]
    assert plain({"a": ({"b": (1, 2)},)}) == {"a": [{"b": [1, 2]}]}


def test_status_words_cover_every_status() -> None:
    text = render(failing_report(), "text")
    for status in Status:
        if status is not Status.PASSED:
            assert status.value.upper() in text
    assert "PASSED" in render(passing_report(), "text")


def test_markdown_tables_stop_at_max_rows() -> None:
    report = failing_report()
    gate = report.gates[0]
    many = gate.findings[:1] * (MAX_ROWS + 5) + gate.findings[2:3] * 3
    gates = (dataclasses.replace(gate, findings=many),)
    text = render(dataclasses.replace(report, gates=gates, summary=summarize(gates)), "markdown")
    assert text.count("lines 10-14 not covered") == MAX_ROWS
    assert "_5 more of these 205 findings are not listed here (a job summary is limited" in text
    assert text.count("line 3 not covered") == 3
    assert text.count("findings are not listed here") == 1
