"""The ``workflows`` gate: GitHub Actions workflows and actions, with file and line.

Each file in scope (:func:`.files.discover`) is read and parsed; one that cannot be is a
GK-WFL-001 finding with its line, and is not given to zizmor. The organisation's rules
(:mod:`.org`) and zizmor's audits (:mod:`.zizmor`) then run on it. zizmor missing, failing or
past the deadline errors the gate (exit 2): never a pass. In PR mode the files as they are at
the base are checked the same way, for the baseline.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from gatekeeper.baseline import Counts, counts
from gatekeeper.gates.interface import Gate, GateContext
from gatekeeper.gates.workflows import org, zizmor
from gatekeeper.gates.workflows.files import (
    ACTION_NAMES,
    Doc,
    Unreadable,
    compose,
    discover,
    read_text,
)
from gatekeeper.model import Finding, GateResult, Rule

if TYPE_CHECKING:
    from gatekeeper.policy.model import WorkflowsPolicy

RULES: tuple[Rule, ...] = (*org.RULES, *zizmor.RULES)
SCOPE = ".github/workflows/*.yml, action.yml, .github/actions/**/action.yml"


class WorkflowsGate(Gate):
    name = "workflows"
    description = "GitHub Actions workflows and actions: zizmor's audits and the org's rules"
    rules = RULES

    def __init__(self, engine: zizmor.Engine | None = None) -> None:
        self._engine = engine

    def run(self, ctx: GateContext) -> GateResult:
        policy = ctx.policy.workflows
        return inspect_workflows(ctx.root, policy, self._engine_for(policy))

    def cache_inputs(self, ctx: GateContext) -> bytes | None:
        """The repository's files and the zizmor binary (its path, size and mtime)."""
        if self._engine is not None:  # an engine given in code: its behaviour is unknown
            return None
        from gatekeeper.verdicts import repo_inputs

        exe = zizmor.find_zizmor()
        st = os.stat(exe)
        paths = (".github", *ACTION_NAMES)  # what discover() finds
        return repo_inputs(ctx, exe, str(st.st_size), str(st.st_mtime_ns), paths=paths)

    def baseline(self, ctx: GateContext) -> Counts | None:
        """The findings at ``ctx.base_ref``, counted per fingerprint: the files in scope now,
        as they were there (``git show``, no checkout), checked the same way in a temporary
        directory. A file missing at the base contributes nothing."""
        if ctx.base_ref is None:
            return None
        import tempfile

        policy = ctx.policy.workflows
        with tempfile.TemporaryDirectory(prefix="gatekeeper-workflows-base-") as tmp:
            base = Path(tmp)
            for source in discover(ctx.root):
                data = ctx.git.show(ctx.base_ref, source.path)
                if data is not None:
                    target = base / source.path
                    target.parent.mkdir(parents=True, exist_ok=True)
                    target.write_bytes(data)
            result = inspect_workflows(base, policy, self._engine_for(policy))
        return counts(result.findings)

    def _engine_for(self, policy: WorkflowsPolicy) -> zizmor.Engine:
        return self._engine or zizmor.zizmor_engine(policy.persona)


def inspect_workflows(root: Path, policy: WorkflowsPolicy, engine: zizmor.Engine) -> GateResult:
    """The gate's result for the workflows and actions at ``root``."""
    sources = discover(root)
    if not sources:
        return GateResult.skip(f"no workflow or action found ({SCOPE})")
    deadline = zizmor.Deadline(policy.timeout_s)
    findings: list[Finding] = []
    counts = {"malformed": 0, "zizmor": 0, "org": 0}
    for source in sources:
        try:
            text = read_text(root, source)
            doc = Doc(text, compose(text))
            own = org.check(source, doc, policy)
        except Unreadable as exc:
            findings.append(org.malformed(source, exc.reason, exc.line))
            counts["malformed"] += 1
            continue
        counts["org"] += len(own)
        findings += own
        if any(f.rule_id == org.MALFORMED.id for f in own):
            counts["malformed"] += 1
            continue  # not a mapping: zizmor would only refuse it again
        outcome = engine(root, source.path, deadline.left())
        if isinstance(outcome, zizmor.Refused):
            findings.append(org.malformed(source, outcome.reason, outcome.line))
            counts["malformed"] += 1
            continue
        audited = zizmor.findings(source.path, outcome, doc.text_at)
        counts["zizmor"] += len(audited)
        findings += audited
    workflows = sum(1 for s in sources if s.kind == "workflow")
    return GateResult.ok(
        findings,
        files=len(sources),
        workflows=workflows,
        actions=len(sources) - workflows,
        **counts,
    )
