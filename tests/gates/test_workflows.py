"""The workflows gate: discovery and hostile files, the organisation's rules, zizmor's report
mapped to our rules, the gate end to end with real zizmor, and this repository's own workflows."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from gatekeeper.errors import InputError
from gatekeeper.gates import load_gate
from gatekeeper.gates.interface import GateContext
from gatekeeper.gates.workflows import files, org, zizmor
from gatekeeper.gates.workflows.files import Doc, Source, compose, discover, read_text
from gatekeeper.gates.workflows.gate import WorkflowsGate, inspect_workflows
from gatekeeper.git import GitRepo
from gatekeeper.model import Finding, Severity
from gatekeeper.policy.model import Policy, WorkflowsPolicy
from gatekeeper.policy.validate import InvalidPolicy, from_mapping
from tests.helpers import run_cli

REPO_ROOT = Path(__file__).resolve().parents[2]
POLICY = WorkflowsPolicy()

GOOD = """\
name: ci
on: [push, pull_request]
permissions:
  contents: read
jobs:
  test:
    runs-on: ubuntu-24.04
    timeout-minutes: 10
    steps:
      - uses: actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683 # v4.2.2
        with:
          persist-credentials: false
      - uses: ./.github/actions/local
      - uses: docker://alpine:3.20
      - run: echo ok
"""

#: pull_request_target + a checkout of the PR head, an unpinned third-party action given a
#: secret, no top-level permissions, no timeout.
BAD = """\
name: bad
on:
  pull_request_target:
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
        with:
          ref: ${{ github.event.pull_request.head.sha }}
      - run: echo "${{ github.event.pull_request.title }}"
      - uses: someone/thing@main
        with:
          token: ${{ secrets.TOKEN }}
        env:
          OTHER: plain
"""


def write(root: Path, rel: str, text: str) -> Path:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def check(
    text: str, kind: files.Kind = "workflow", policy: WorkflowsPolicy = POLICY
) -> list[Finding]:
    source = Source("w.yml", kind)
    return org.check(source, Doc(text, compose(text)), policy)


def rules(findings: list[Finding]) -> list[tuple[str, int | None]]:
    return [(f.rule_id, f.location.line if f.location else None) for f in findings]


def no_zizmor(root: Path, path: str, timeout_s: float) -> bytes | zizmor.Refused:
    return b"[]"


# Discovery and reading


def test_discover_finds_workflows_the_root_action_and_composite_actions(tmp_path: Path) -> None:
    write(tmp_path, ".github/workflows/a.yml", GOOD)
    write(tmp_path, ".github/workflows/b.yaml", GOOD)
    write(tmp_path, ".github/workflows/notes.txt", "x")
    write(tmp_path, "action.yml", "name: a\n")
    write(tmp_path, ".github/actions/x/action.yaml", "name: x\n")
    write(tmp_path, ".github/actions/x/deep/action.yml", "name: y\n")
    write(tmp_path, ".github/actions/x/README.md", "")
    found = discover(tmp_path)
    assert [(s.path, s.kind) for s in found] == [
        (".github/actions/x/action.yaml", "action"),
        (".github/actions/x/deep/action.yml", "action"),
        (".github/workflows/a.yml", "workflow"),
        (".github/workflows/b.yaml", "workflow"),
        ("action.yml", "action"),
    ]


def test_discover_does_not_enter_symlinked_directories(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    write(outside, "w.yml", GOOD)
    write(outside, "action.yml", "name: x\n")
    repo = tmp_path / "repo"
    (repo / ".github").mkdir(parents=True)
    (repo / ".github" / "workflows").symlink_to(outside)
    (repo / ".github" / "actions").symlink_to(outside)
    assert discover(repo) == []


def test_a_symlink_out_of_the_repository_is_malformed_not_read(tmp_path: Path) -> None:
    write(tmp_path, "secret.yml", "x: 1\n")
    repo = tmp_path / "repo"
    (repo / ".github" / "workflows").mkdir(parents=True)
    (repo / ".github" / "workflows" / "w.yml").symlink_to(tmp_path / "secret.yml")
    result = inspect_workflows(repo, POLICY, no_zizmor)
    assert rules(list(result.findings)) == [("GK-WFL-001", None)]
    assert "outside the repository" in result.findings[0].message


def test_a_symlink_loop_is_malformed(tmp_path: Path) -> None:
    (tmp_path / ".github" / "workflows").mkdir(parents=True)
    loop = tmp_path / ".github" / "workflows" / "loop.yml"
    loop.symlink_to(loop)
    with pytest.raises(files.Unreadable, match="outside"):
        read_text(tmp_path, Source(".github/workflows/loop.yml", "workflow"))


def test_a_fifo_is_a_finding_and_never_blocks(tmp_path: Path) -> None:
    (tmp_path / ".github" / "workflows").mkdir(parents=True)
    os.mkfifo(tmp_path / ".github" / "workflows" / "fifo.yml")
    result = inspect_workflows(tmp_path, POLICY, no_zizmor)
    assert result.findings[0].rule_id == "GK-WFL-001"
    assert "not a regular file" in result.findings[0].message


def test_a_huge_file_is_a_finding(tmp_path: Path) -> None:
    write(tmp_path, "action.yml", "# " + "x" * files.MAX_BYTES + "\n")
    result = inspect_workflows(tmp_path, POLICY, no_zizmor)
    assert result.findings[0].rule_id == "GK-WFL-001"
    assert "larger than" in result.findings[0].message


def test_non_utf8_is_a_finding_with_its_line(tmp_path: Path) -> None:
    (tmp_path / "action.yml").write_bytes(b"name: a\nrun: \xff\n")
    result = inspect_workflows(tmp_path, POLICY, no_zizmor)
    assert rules(list(result.findings)) == [("GK-WFL-001", 2)]


@pytest.mark.parametrize(
    ("text", "line", "reason"),
    [
        ("name: x\njobs:\n  a:\n    runs-on: [ubuntu\n", 5, "malformed YAML"),
        ("name: x\n  bad: indent\n", 2, "malformed YAML"),
        ("", None, "empty document"),
        ("# only a comment\n", None, "empty document"),
        ("a: *nowhere\n", 1, "undefined alias"),
        ("a: \x07\n", None, "malformed YAML: malformed"),
    ],
)
def test_malformed_yaml_is_a_finding_with_its_line(
    text: str, line: int | None, reason: str
) -> None:
    with pytest.raises(files.Unreadable) as caught:
        compose(text)
    assert caught.value.line == line
    assert reason in caught.value.reason


def test_a_document_that_is_not_a_mapping_is_malformed(tmp_path: Path) -> None:
    write(tmp_path, ".github/workflows/list.yml", "- a\n- b\n")
    called: list[str] = []

    def engine(root: Path, path: str, timeout_s: float) -> bytes:
        called.append(path)
        return b"[]"

    result = inspect_workflows(tmp_path, POLICY, engine)
    assert rules(list(result.findings)) == [("GK-WFL-001", 1)]
    assert called == []  # zizmor would only refuse it again
    assert result.metrics["malformed"] == 1


def bomb(levels: int = 9) -> str:
    lines = [
        "name: bomb",
        "on: push",
        'x0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
    ]
    lines += [f"x{i}: &a{i} [" + ",".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, levels)]
    lines += ["jobs:", "  a:", "    timeout-minutes: 5", "    steps:", "      - uses: evil/x@v1"]
    lines += ["        with:", f"          x: *a{levels - 1}"]
    return "\n".join(lines) + "\n"


def test_an_alias_bomb_is_a_finding_within_bounds(tmp_path: Path) -> None:
    write(tmp_path, ".github/workflows/bomb.yml", bomb())
    result = inspect_workflows(tmp_path, POLICY, no_zizmor)
    assert [f.rule_id for f in result.findings] == ["GK-WFL-001"]  # the whole file
    assert "alias bomb" in result.findings[-1].message


def test_a_recursive_alias_or_merge_is_a_finding() -> None:
    text = """\
name: r
on: push
permissions: {}
jobs: &j
  a:
    <<: *j
    timeout-minutes: 5
    steps: &s
      - *s
      - uses: evil/x@v1
        with: &w
          x: [*w]
"""
    doc = Doc(text, compose(text))
    with pytest.raises(files.TooLarge):
        org.check(Source("w.yml", "workflow"), doc, POLICY)
    loop = "name: r\non: push\njobs:\n  a: &a\n    <<: *a\n"
    with pytest.raises(files.TooLarge):
        org.check(Source("w.yml", "workflow"), Doc(loop, compose(loop)), POLICY)


def test_anchors_and_merge_keys_are_followed() -> None:
    text = """\
name: anchors
on: push
permissions: {}
x-defaults: &job
  runs-on: ubuntu-24.04
  timeout-minutes: 5
jobs:
  a:
    <<: *job
    steps: &steps
      - uses: evil/one@v1
  b:
    <<: [*job]
    timeout-minutes: 9
    steps: *steps
  c:
    ? [complex, key]
    : ignored
    steps: []
"""
    found = check(text)
    assert rules(found) == [("GK-WFL-002", 11), ("GK-WFL-002", 11), ("GK-WFL-006", 16)]


def test_doc_helpers_on_odd_nodes() -> None:
    doc = Doc("a: 1\n", compose("a: 1\n"))
    assert doc.items(None) == [] and doc.seq(doc.root) == [] and doc.scalar(doc.root) is None
    assert doc.get(doc.root, "missing") is None
    assert list(doc.scalars(None)) == []
    assert doc.text_at(0) == "" and doc.text_at(2) == "" and doc.text_at(1) == "a: 1"


# The organisation's rules


def test_a_good_workflow_has_no_findings() -> None:
    assert check(GOOD) == []


def test_every_org_rule_fires_on_the_bad_workflow_with_its_line() -> None:
    found = check(BAD)
    assert rules(found) == [
        ("GK-WFL-003", 1),
        ("GK-WFL-006", 5),
        ("GK-WFL-005", 10),
        ("GK-WFL-002", 12),
        ("GK-WFL-004", 14),
    ]
    by_rule = {f.rule_id: f for f in found}
    assert by_rule["GK-WFL-005"].severity is Severity.CRITICAL
    assert "pull_request_target" in by_rule["GK-WFL-005"].message
    assert by_rule["GK-WFL-002"].data["owner"] == "someone"
    assert by_rule["GK-WFL-004"].data["cwe"] == "CWE-200"
    assert (
        by_rule["GK-WFL-002"].location is not None and by_rule["GK-WFL-002"].location.column == 15
    )


def test_fingerprints_survive_lines_moving() -> None:
    moved = BAD.replace("name: bad\n", "name: bad\n# a comment\n\n")
    before = {f.rule_id: f.fingerprint for f in check(BAD)}
    after = {f.rule_id: f.fingerprint for f in check(moved)}
    assert before == after
    assert {f.location.line for f in check(moved) if f.location} != {
        f.location.line for f in check(BAD) if f.location
    }


def test_workflow_run_and_commands_that_check_out_the_head() -> None:
    text = """\
name: wr
on:
  workflow_run:
    workflows: [ci]
    types: [completed]
permissions: {}
jobs:
  a:
    runs-on: ubuntu-24.04
    timeout-minutes: 5
    steps:
      - uses: actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683
        with:
          repository: ${{ github.event.workflow_run.head_repository.full_name }}
          ref: main
      - run: |
          gh pr checkout ${{ github.event.workflow_run.pull_requests[0].number }} --repo x
          git fetch origin refs/pull/1/head
      - run: git log
      - uses: actions/setup-python@v5
"""
    assert rules(check(text)) == [("GK-WFL-005", 14), ("GK-WFL-005", 16)]


def test_privileged_trigger_without_a_head_checkout_is_not_ours_to_flag() -> None:
    text = GOOD.replace("on: [push, pull_request]", "on: pull_request_target")
    assert check(text) == []
    listed = GOOD.replace("on: [push, pull_request]", "on: [pull_request_target]").replace(
        "persist-credentials: false", "ref: ${{ github.head_ref }}"
    )
    assert rules(check(listed)) == [("GK-WFL-005", 12)]


def test_reusable_workflow_calls_owner_secrets_and_no_timeout_rule() -> None:
    text = """\
name: calls
on: push
permissions: {}
jobs:
  ours:
    uses: actions/reusable/.github/workflows/x.yml@0123456789abcdef0123456789abcdef01234567
    secrets: inherit
  theirs:
    uses: other/repo/.github/workflows/x.yml@0123456789abcdef0123456789abcdef01234567
    secrets: inherit
  listed:
    uses: other/repo/.github/workflows/y.yml@0123456789abcdef0123456789abcdef01234567
    with:
      plain: value
    secrets:
      key: ${{ secrets.KEY }}
      other: ${{secrets['OTHER']}}
"""
    assert rules(check(text)) == [
        ("GK-WFL-002", 9),
        ("GK-WFL-004", 10),
        ("GK-WFL-002", 12),
        ("GK-WFL-004", 16),
        ("GK-WFL-004", 17),
    ]


def test_allowed_owners_are_case_insensitive_and_configurable() -> None:
    policy = WorkflowsPolicy(allowed_owners=["Someone"])  # and no longer "actions"
    assert rules(check(BAD, policy=policy)) == [
        ("GK-WFL-003", 1),
        ("GK-WFL-006", 5),
        ("GK-WFL-002", 8),
        ("GK-WFL-005", 10),
    ]
    nobody = WorkflowsPolicy(allowed_owners=[])
    message = next(f.message for f in check(GOOD, policy=nobody) if f.rule_id == "GK-WFL-002")
    assert "allowed_owners: none" in message


def test_permissions_and_timeout_rules_can_be_switched_off() -> None:
    policy = WorkflowsPolicy(require_permissions=False, require_timeout=False)
    assert [f.rule_id for f in check(BAD, policy=policy)] == [
        "GK-WFL-005",
        "GK-WFL-002",
        "GK-WFL-004",
    ]


def test_composite_actions_get_the_owner_and_secret_rules_only() -> None:
    text = """\
name: composite
runs:
  using: composite
  steps:
    - uses: actions/cache@5a3ec84eff668545956fd18022155c47e93e2684
    - uses: evil/x@v1
      with:
        token: ${{ secrets.T }}
    - run: echo ok
      shell: bash
"""
    assert rules(check(text, kind="action")) == [("GK-WFL-002", 6), ("GK-WFL-004", 8)]
    assert check("name: docker\nruns:\n  using: docker\n  image: Dockerfile\n", kind="action") == []


# zizmor's report


REPORT = [
    {
        "ident": "template-injection",
        "desc": "code injection via template expansion",
        "url": "https://docs.zizmor.sh/audits/#template-injection",
        "determinations": {"confidence": "High", "severity": "High", "persona": "Regular"},
        "locations": [
            {
                "symbolic": {"annotation": "this step", "kind": "Related"},
                "concrete": {"location": {"start_point": {"row": 9, "column": 8}}},
            },
            {
                "symbolic": {
                    "annotation": "may expand into attacker-controllable code",
                    "kind": "Primary",
                },
                "concrete": {"location": {"start_point": {"row": 10, "column": 23}}},
            },
        ],
    },
    {
        "ident": "a-future-audit",
        "desc": "something new",
        "determinations": {"severity": "Weird"},
        "locations": [
            {
                "symbolic": {"annotation": "", "kind": "Related"},
                "concrete": {"location": {"start_point": {"row": 0, "column": 0}}},
            }
        ],
    },
    {
        "ident": "excessive-permissions",
        "determinations": {"severity": "Informational"},
        "locations": [],
    },
]


def test_zizmor_findings_keep_the_audit_name_line_and_severity() -> None:
    lines = BAD.splitlines()
    found = zizmor.findings("w.yml", json.dumps(REPORT).encode(), lambda n: lines[n - 1].strip())
    assert [(f.rule_id, f.severity, f.location.line if f.location else 0) for f in found] == [
        ("GK-WFL-131", Severity.HIGH, 11),
        ("GK-WFL-100", Severity.HIGH, 1),
        ("GK-WFL-111", Severity.INFO, None),
    ]
    first, unknown, perms = found
    assert first.title == "zizmor: template-injection"
    assert first.data["audit"] == "template-injection" and first.data["confidence"] == "high"
    assert first.location is not None and first.location.column == 24
    assert first.message.startswith("zizmor template-injection: code injection")
    assert first.help_uri == "https://docs.zizmor.sh/audits/#template-injection"
    assert unknown.data["audit"] == "a-future-audit" and unknown.data["zizmor_severity"] == "weird"
    assert perms.message == "zizmor excessive-permissions: excessive-permissions"
    moved = zizmor.findings("w.yml", json.dumps(REPORT).encode(), lambda n: lines[n - 1].strip())
    assert [f.fingerprint for f in moved] == [f.fingerprint for f in found]


@pytest.mark.parametrize(
    "report", [b"not json", b"{}", b'[{"no": "ident"}]', b'[{"ident": "x", "locations": [{}]}]']
)
def test_a_report_that_is_not_zizmors_json_is_an_input_error(report: bytes) -> None:
    with pytest.raises(InputError, match="not its JSON format"):
        zizmor.findings("w.yml", report, lambda n: "")


def test_every_audit_has_a_stable_rule() -> None:
    assert zizmor.AUDIT_RULES["adhoc-packages"].id == "GK-WFL-101"
    assert zizmor.AUDIT_RULES["use-trusted-publishing"].id == "GK-WFL-141"
    names = [name for name, *_ in zizmor.AUDITS]
    assert names == sorted(names) and len(set(names)) == len(names)
    for name in (
        "template-injection",
        "dangerous-triggers",
        "excessive-permissions",
        "unpinned-uses",
        "artipacked",
        "cache-poisoning",
        "secrets-inherit",
    ):
        assert zizmor.AUDIT_RULES[name].title == f"zizmor: {name}"


def test_refused_and_failed_zizmor_runs_are_told_apart() -> None:
    stderr = (
        "fatal: no audit was performed\nfailed to load file://w.yml as workflow\n\nCaused by:\n"
        "    0: invalid YAML syntax: did not find expected ',' at line 6 column 1\n"
        "    1: did not find expected ',' at line 6 column 1\n\nStack backtrace:\n   0: main\n"
    )
    assert zizmor._refused(stderr, 1) == zizmor.Refused(
        "zizmor: did not find expected ',' at line 6 column 1", 6
    )
    assert zizmor._refused("failed to load file://w.yml\n", 1) == zizmor.Refused(
        "zizmor: refused by zizmor"
    )
    with pytest.raises(InputError, match=r"zizmor failed \(exit 2\): error: bad flag"):
        zizmor._refused("warning\nerror: bad flag\n\n", 2)
    with pytest.raises(InputError, match="no message"):
        zizmor._refused("", 101)


def test_zizmor_missing_is_an_input_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(sysconfig, "get_path", lambda name: str(tmp_path))
    monkeypatch.setattr(sys, "executable", str(tmp_path / "python"))
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(InputError, match="zizmor is not installed") as caught:
        zizmor.find_zizmor()
    assert caught.value.exit_code == 2


def test_zizmor_argv_is_offline_json_and_ignores_repository_configuration() -> None:
    command = zizmor.argv("/bin/zizmor", "a.yml", "pedantic")
    for flag in ("--offline", "--no-config", "--no-ignores", "--format=json", "--persona=pedantic"):
        assert flag in command
    assert command[-2:] == ["--", "a.yml"]


def test_deadline_counts_down() -> None:
    now = [100.0]
    deadline = zizmor.Deadline(5, clock=lambda: now[0])
    now[0] = 103.0
    assert deadline.left() == 2.0


# The gate


def test_the_gate_joins_org_rules_zizmor_and_refusals(tmp_path: Path) -> None:
    write(tmp_path, ".github/workflows/bad.yml", BAD)
    write(tmp_path, ".github/workflows/good.yml", GOOD)
    write(tmp_path, ".github/workflows/schema.yml", "name: x\non: push\njobs: 5\n")
    write(tmp_path, "action.yml", "name: a\nruns:\n  using: composite\n  steps: []\n")
    seen: dict[str, float] = {}

    def engine(root: Path, path: str, timeout_s: float) -> bytes | zizmor.Refused:
        seen[path] = timeout_s
        if path.endswith("schema.yml"):
            return zizmor.Refused("zizmor: jobs: 5 is not of type object")
        return json.dumps(REPORT[:1]).encode() if path.endswith("bad.yml") else b"[]"

    result = inspect_workflows(tmp_path, WorkflowsPolicy(timeout_s=30), engine)
    assert sorted(seen) == [
        ".github/workflows/bad.yml",
        ".github/workflows/good.yml",
        ".github/workflows/schema.yml",
        "action.yml",
    ]
    assert all(0 < left <= 30 for left in seen.values())
    assert [f.rule_id for f in result.findings] == [
        "GK-WFL-003",
        "GK-WFL-006",
        "GK-WFL-005",
        "GK-WFL-002",
        "GK-WFL-004",
        "GK-WFL-131",
        "GK-WFL-003",  # schema.yml: the org's rules still ran; zizmor refused it
        "GK-WFL-001",
    ]
    assert dict(result.metrics) == {
        "files": 4,
        "workflows": 3,
        "actions": 1,
        "malformed": 1,
        "zizmor": 1,
        "org": 6,
    }


def test_no_workflows_skips(tmp_path: Path) -> None:
    result = WorkflowsGate(engine=no_zizmor).run(
        GateContext(root=tmp_path, policy=Policy(), git=GitRepo(tmp_path))
    )
    assert result.skipped is not None and "no workflow or action" in result.skipped


def test_the_gate_is_registered() -> None:
    gate = load_gate("workflows")
    assert isinstance(gate, WorkflowsGate)
    assert {r.id for r in gate.rules} >= {"GK-WFL-001", "GK-WFL-006", "GK-WFL-100", "GK-WFL-141"}


# The policy


def test_workflows_policy_is_read_and_validated() -> None:
    policy = from_mapping(
        Policy,
        {
            "workflows": {
                "allowed_owners": ["corp"],
                "persona": "auditor",
                "timeout_s": 5,
                "require_permissions": False,
                "require_timeout": False,
                "fail_on": "high",
            }
        },
    )
    assert policy.workflows == WorkflowsPolicy(
        allowed_owners=["corp"],
        persona="auditor",
        timeout_s=5,
        require_permissions=False,
        require_timeout=False,
        fail_on=Severity.HIGH,
    )
    with pytest.raises(InvalidPolicy) as caught:
        from_mapping(Policy, {"workflows": {"persona": "lax", "timeout_s": 0, "allowed_owner": []}})
    text = str(caught.value)
    assert "workflows.persona" in text and "workflows.timeout_s" in text
    assert "did you mean 'allowed_owners'" in text


def test_the_default_policies_show_the_workflows_table() -> None:
    shipped = (REPO_ROOT / "gatekeeper" / "policy" / "default.toml").read_text(encoding="utf-8")
    assert shipped == (REPO_ROOT / "policies" / "default.toml").read_text(encoding="utf-8")
    assert (
        "[workflows]\nenabled = true" in shipped
        and 'allowed_owners = ["actions", "github"]' in shipped
    )


# Real zizmor (subprocesses)


@pytest.mark.slow
def test_real_zizmor_on_the_bad_workflow(tmp_path: Path) -> None:
    write(tmp_path, ".github/workflows/bad.yml", BAD)
    write(tmp_path, ".github/workflows/schema.yml", "name: x\non: push\njobs: 5\n")
    result = inspect_workflows(tmp_path, POLICY, zizmor.zizmor_engine())
    found = {(f.rule_id, f.location.line if f.location else None) for f in result.findings}
    assert {
        ("GK-WFL-108", 3),  # dangerous-triggers
        ("GK-WFL-131", 11),  # template-injection
        ("GK-WFL-136", 8),  # unpinned-uses
        ("GK-WFL-104", 8),  # artipacked
        ("GK-WFL-005", 10),
    } <= found
    refused = [f for f in result.findings if f.location and f.location.path.endswith("schema.yml")]
    assert [f.rule_id for f in refused] == ["GK-WFL-003", "GK-WFL-001"]
    assert "not of type" in refused[1].message


@pytest.mark.slow
def test_real_zizmor_gets_no_token_and_no_repository_config(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(
        tmp_path,
        ".github/workflows/bad.yml",
        BAD.replace(
            '      - run: echo "${{ github.event.pull_request.title }}"\n',
            '      - run: echo "${{ github.event.pull_request.title }}"'
            " # zizmor: ignore[template-injection]\n",
        ),
    )
    write(tmp_path, ".github/zizmor.yml", "rules:\n  unpinned-uses:\n    disable: true\n")
    monkeypatch.setenv("GITHUB_TOKEN", "not-a-real-token")
    result = inspect_workflows(tmp_path, POLICY, zizmor.zizmor_engine())
    ids = {f.rule_id for f in result.findings}
    assert {"GK-WFL-131", "GK-WFL-136"} <= ids


@pytest.mark.slow
def test_run_zizmor_kills_at_the_deadline_and_reports_failures(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(InputError, match="killed at the workflows gate's deadline"):
        zizmor.run_zizmor([sys.executable, "-c", "import time; time.sleep(30)"], tmp_path, 0.2)
    with pytest.raises(InputError, match=r"zizmor failed \(exit 3\): boom"):
        zizmor.run_zizmor(
            [sys.executable, "-c", "import sys; sys.stderr.write('boom\\n'); sys.exit(3)"],
            tmp_path,
            10,
        )
    monkeypatch.setattr(zizmor, "MAX_OUTPUT", 10)
    with pytest.raises(InputError, match="larger than 10 bytes"):
        zizmor.run_zizmor([sys.executable, "-c", "print('x' * 100)"], tmp_path, 10)


@pytest.mark.slow
def test_this_repositorys_workflows_pass_the_gate_and_zizmor() -> None:
    proc = run_cli("check", str(REPO_ROOT), "--gate", "workflows", "--format", "json")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    report = json.loads(proc.stdout)
    assert report["verdict"] == "passed"
    exe = zizmor.find_zizmor()
    plain = subprocess.run(  # noqa: S603
        [exe, "--offline", "--no-progress", ".github/workflows", "action.yml"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert plain.returncode == 0, plain.stdout + plain.stderr
    assert "No findings to report" in plain.stdout


@pytest.mark.slow
def test_console_script_fails_a_bad_workflow_with_line_numbers(tmp_path: Path) -> None:
    write(tmp_path, ".github/workflows/bad.yml", BAD)
    proc = run_cli("check", str(tmp_path), "--gate", "workflows")
    assert proc.returncode == 1, proc.stderr
    assert ".github/workflows/bad.yml:10" in proc.stdout and "GK-WFL-005" in proc.stdout
    write(tmp_path, ".github/workflows/bad.yml", "a: [\n")
    proc = run_cli("check", str(tmp_path), "--gate", "workflows")
    assert proc.returncode == 1 and "GK-WFL-001" in proc.stdout and "Traceback" not in proc.stderr


@pytest.mark.slow
def test_console_script_without_zizmor_errors_with_exit_2(tmp_path: Path) -> None:
    write(tmp_path, ".github/workflows/good.yml", GOOD)
    bindir = tmp_path / "bin"
    bindir.mkdir()
    # gatekeeper's own packages in a fresh virtualenv whose scripts directory has no zizmor.
    venv = tmp_path / "venv"
    import venv as venv_module

    venv_module.EnvBuilder(system_site_packages=False, symlinks=True).create(venv)
    site = next((Path(sys.prefix) / "lib").glob("python3*/site-packages"))
    env = {"PATH": str(bindir), "PYTHONPATH": os.pathsep.join([str(REPO_ROOT), str(site)])}
    proc = run_cli_with(venv / "bin" / "python", tmp_path, env)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "zizmor is not installed" in proc.stdout + proc.stderr


def run_cli_with(python: Path, root: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603
        [str(python), "-m", "gatekeeper", "check", str(root), "--gate", "workflows"],
        env={
            **{k: v for k, v in os.environ.items() if k in {"HOME", "GATEKEEPER_CACHE_DIR"}},
            **env,
        },
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.slow
def test_pr_mode_reports_what_the_base_already_had_as_pre_existing(tmp_path: Path) -> None:
    from tests.helpers import commit_all, init_repo

    repo = init_repo(tmp_path / "repo")
    write(repo, ".github/workflows/bad.yml", BAD)
    write(repo, ".github/workflows/unchanged.yml", GOOD)
    commit_all(repo, "base")
    # The change moves everything down two lines and adds one more unallowed action.
    changed = "# moved\n\n" + BAD + "      - uses: another/one@v1\n"
    write(repo, ".github/workflows/bad.yml", changed)
    write(repo, ".github/workflows/new.yml", BAD)
    gate = WorkflowsGate(engine=no_zizmor)
    ctx = GateContext(root=repo, policy=Policy(), git=GitRepo(repo), base_ref="main")
    baseline = gate.baseline(ctx)
    assert baseline is not None
    now = gate.run(ctx).findings
    new = [
        (f.location.path, f.location.line)
        for f in now
        if f.location and f.fingerprint not in baseline
    ]
    assert sorted(new) == [(".github/workflows/bad.yml", 19)] + [
        (".github/workflows/new.yml", line) for line in (1, 5, 10, 12, 14)
    ]
    assert gate.baseline(GateContext(root=repo, policy=Policy(), git=GitRepo(repo))) is None
    proc = run_cli("check", str(repo), "--gate", "workflows", "--base", "main", "--format", "json")
    assert proc.returncode == 1, proc.stderr
    findings = json.loads(proc.stdout)["gates"][0]["findings"]
    old = {f["location"]["path"] for f in findings if f.get("pre_existing")}
    assert ".github/workflows/bad.yml" in old  # zizmor also finds the unchanged file's own
    assert old <= {".github/workflows/bad.yml", ".github/workflows/unchanged.yml"}
    assert len([f for f in findings if f.get("pre_existing")]) >= 5  # ours and zizmor's
    assert not any(
        f.get("pre_existing") for f in findings if f["location"]["path"].endswith("new.yml")
    )
