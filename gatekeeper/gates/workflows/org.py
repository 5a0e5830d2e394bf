"""The organisation's own workflow rules, which zizmor does not have.

An allowlist of action owners; a top-level ``permissions:``; secrets passed only to allowed
actions; no checkout of a pull request's head under ``pull_request_target`` or
``workflow_run``; ``timeout-minutes`` on every job. Each finding has its file and line; its
fingerprint holds the rule, the file and the offending line's text, never a line number.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING

from gatekeeper.gates.workflows.files import Doc, Source, line_of
from gatekeeper.model import Finding, Location, Rule, Severity

if TYPE_CHECKING:
    import yaml

    from gatekeeper.policy.model import WorkflowsPolicy

MALFORMED = Rule(
    "GK-WFL-001",
    "Malformed workflow or action",
    Severity.HIGH,
    description="A workflow or action file that cannot be checked: malformed YAML, not a "
    "mapping, an alias bomb, not UTF-8, not a regular file, outside the repository, or "
    "refused by zizmor's schema. It is never skipped silently.",
)
OWNER = Rule(
    "GK-WFL-002",
    "Action owner not on the allowlist",
    Severity.HIGH,
    cwe=829,
    description="A `uses:` of an action or reusable workflow whose owner is not in "
    "`workflows.allowed_owners` (local `./` actions are always allowed).",
)
PERMISSIONS = Rule(
    "GK-WFL-003",
    "Workflow without top-level permissions",
    Severity.MEDIUM,
    cwe=250,
    description="A workflow with no top-level `permissions:` gets the repository's default "
    "token permissions; declare `permissions: {}` or `contents: read` and widen per job.",
)
SECRETS = Rule(
    "GK-WFL-004",
    "Secret passed to an action outside the allowlist",
    Severity.HIGH,
    cwe=200,
    description="`${{ secrets.* }}` in the `with:`, `env:` or `secrets:` of a step or job "
    "that uses an action or reusable workflow whose owner is not allowed (or `secrets: "
    "inherit` to one).",
)
PR_HEAD = Rule(
    "GK-WFL-005",
    "Privileged trigger checks out the pull request's head",
    Severity.CRITICAL,
    cwe=829,
    description="A `pull_request_target` or `workflow_run` workflow that checks out the pull "
    "request's code (`head.sha`, `head.ref`, `github.head_ref`, `refs/pull/`) runs a "
    "stranger's code with the base repository's secrets and write token.",
)
TIMEOUT = Rule(
    "GK-WFL-006",
    "Job without timeout-minutes",
    Severity.LOW,
    cwe=400,
    description="A job without `timeout-minutes` runs up to GitHub's 6 hours when it hangs.",
)
RULES: tuple[Rule, ...] = (MALFORMED, OWNER, PERMISSIONS, SECRETS, PR_HEAD, TIMEOUT)

_PRIVILEGED = frozenset({"pull_request_target", "workflow_run"})
_PR_HEAD = re.compile(
    r"github\.event\.pull_request\.head\.(?:sha|ref|repo)|github\.head_ref"
    r"|github\.event\.workflow_run\.head_(?:sha|branch|repository)|refs/pull/"
)
_CHECKOUT_COMMAND = re.compile(r"\bgh\s+pr\s+checkout\b|\bgit\b.*(?:fetch|checkout)\b")
_SECRET = re.compile(r"\$\{\{[^}]*\bsecrets\s*(?:\.|\[)")


def malformed(source: Source, reason: str, line: int | None, text: str = "") -> Finding:
    """The finding for a file that cannot be checked."""
    return MALFORMED.finding(
        f"{source.kind} {source.path} cannot be checked: {reason}",
        source.path,
        reason,
        location=Location(source.path, line),
        data={"kind": source.kind, "reason": reason},
    )


def check(source: Source, doc: Doc, policy: WorkflowsPolicy) -> list[Finding]:
    """The organisation's rules on one parsed file."""
    import yaml

    if not isinstance(doc.root, yaml.MappingNode):
        return [malformed(source, "the document is not a mapping", line_of(doc.root))]
    checker = _Checker(source, doc, policy)
    if source.kind == "workflow":
        checker.workflow()
    else:
        checker.action()
    return checker.findings


class _Checker:
    def __init__(self, source: Source, doc: Doc, policy: WorkflowsPolicy) -> None:
        self.source = source
        self.doc = doc
        self.allowed = {owner.lower() for owner in policy.allowed_owners}
        self.policy = policy
        self.findings: list[Finding] = []

    def _add(self, rule: Rule, node: yaml.Node, message: str, *parts: object, **data: str) -> None:
        line = line_of(node)
        self.findings.append(
            rule.finding(
                message,
                self.source.path,
                self.doc.text_at(line),
                *parts,
                location=Location(self.source.path, line, int(node.start_mark.column) + 1),
                data=data,
            )
        )

    def workflow(self) -> None:
        doc, root = self.doc, self.doc.root
        if self.policy.require_permissions and doc.get(root, "permissions") is None:
            self._add(
                PERMISSIONS,
                root,
                "no top-level `permissions:`: the token gets the repository's defaults; "
                "declare `permissions: {}` (or `contents: read`) and widen per job",
            )
        privileged = sorted(self._triggers() & _PRIVILEGED)
        for name, key, job in doc.items(doc.get(root, "jobs")):
            uses = doc.get(job, "uses")
            if uses is not None:  # a reusable workflow call: no steps, no timeout-minutes
                self._uses(uses, [doc.get(job, "with")], doc.get(job, "secrets"))
                continue
            if self.policy.require_timeout and doc.get(job, "timeout-minutes") is None:
                self._add(TIMEOUT, key, f"job {name!r} has no `timeout-minutes`", name, job=name)
            self._steps(doc.get(job, "steps"), privileged)

    def action(self) -> None:
        self._steps(self.doc.get(self.doc.get(self.doc.root, "runs"), "steps"), [])

    def _triggers(self) -> set[str]:
        doc = self.doc
        on = doc.get(doc.root, "on")
        named = [doc.scalar(on)] + [doc.scalar(item) for item in doc.seq(on)]
        return {name for name in named if name} | {name for name, _k, _v in doc.items(on)}

    def _steps(self, steps: yaml.Node | None, privileged: list[str]) -> None:
        doc = self.doc
        for step in doc.seq(steps):
            uses = doc.get(step, "uses")
            if uses is not None:
                self._uses(uses, [doc.get(step, "with"), doc.get(step, "env")], None)
            if privileged:
                self._pr_head(step, uses, privileged)

    def _uses(
        self, uses: yaml.Node, inputs: list[yaml.Node | None], secrets: yaml.Node | None
    ) -> None:
        ref = self.doc.scalar(uses) or ""
        if ref.startswith(("./", "docker://")):
            return  # local: ours; docker: zizmor's unpinned-images audits the pin
        owner = ref.split("/", 1)[0].split("@", 1)[0]
        if owner.lower() in self.allowed:
            return
        allowed = ", ".join(self.policy.allowed_owners) or "none"
        self._add(
            OWNER,
            uses,
            f"`uses: {ref}`: owner {owner!r} is not allowed (workflows.allowed_owners: {allowed})",
            owner=owner,
            uses=ref,
        )
        if secrets is not None and self.doc.scalar(secrets) == "inherit":
            self._add(
                SECRETS,
                secrets,
                f"`secrets: inherit` hands every secret to {ref}, whose owner is not allowed",
                ref,
                uses=ref,
            )
        for node in self._secret_values([*inputs, secrets]):
            self._add(
                SECRETS,
                node,
                f"a secret is passed to {ref}, whose owner {owner!r} is not allowed",
                ref,
                uses=ref,
            )

    def _secret_values(self, nodes: list[yaml.Node | None]) -> Iterator[yaml.ScalarNode]:
        for node in nodes:
            for scalar in self.doc.scalars(node):
                if _SECRET.search(str(scalar.value)):
                    yield scalar

    def _pr_head(self, step: yaml.Node, uses: yaml.Node | None, privileged: list[str]) -> None:
        doc = self.doc
        ref = doc.scalar(uses) or ""
        if ref.lower().startswith("actions/checkout@"):
            values = [doc.get(doc.get(step, "with"), key) for key in ("ref", "repository")]
        else:
            run = doc.get(step, "run")
            text = doc.scalar(run) or ""
            values = [run] if _CHECKOUT_COMMAND.search(text) else []
        triggers = " and ".join(privileged)
        for value in values:
            match = _PR_HEAD.search(doc.scalar(value) or "")
            if value is not None and match is not None:
                self._add(
                    PR_HEAD,
                    value,
                    f"a {triggers} workflow checks out the pull request's code "
                    f"({match.group()}): it runs with the base repository's secrets and "
                    "write token",
                    triggers=triggers,
                )
