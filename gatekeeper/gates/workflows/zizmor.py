"""zizmor, the engine of the workflows gate: run offline on one file, its audits as our rules.

zizmor (the ``zizmor`` wheel ships its binary) runs once per file, offline, with no GitHub
token in its environment, without a repository's ``zizmor.yml`` or ``# zizmor: ignore``
comments (waivers live in the policy, with a reason and an expiry), under one deadline for the
whole gate, its output bounded. Each of zizmor 1.32's audits has a stable rule ID in
:data:`AUDITS` (``GK-WFL-101`` …, in this order; a new audit gets the next number, none is
ever renumbered); an audit this table does not know becomes :data:`UNKNOWN_AUDIT`, never
nothing.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gatekeeper.errors import InputError
from gatekeeper.model import Finding, Location, Rule, Severity

#: Largest JSON report read from zizmor for one file.
MAX_OUTPUT = 16 << 20
#: What zizmor never gets besides gatekeeper's credentials (GitHub tokens among them: with
#: one it would go online): its own token and configuration.
_STRIPPED_ENV = frozenset({"ZIZMOR_GITHUB_TOKEN", "ZIZMOR_CONFIG", "GH_HOST"})
_DOCS = "https://docs.zizmor.sh/audits/#"

_I, _L, _M, _H = Severity.INFO, Severity.LOW, Severity.MEDIUM, Severity.HIGH
#: zizmor 1.32's audits: (name, what it finds, default severity, CWE).
AUDITS: tuple[tuple[str, str, Severity, int | None], ...] = (
    ("adhoc-packages", "ad-hoc package installation", _L, 829),
    ("anonymous-definition", "workflow or action definition without a name", _I, None),
    ("archived-uses", "action or reusable workflow from an archived repository", _M, 1104),
    ("artipacked", "credential persistence through GitHub Actions artifacts", _M, 522),
    ("bot-conditions", "spoofable bot actor check", _H, 290),
    ("cache-poisoning", "runtime artifacts potentially vulnerable to cache poisoning", _H, 349),
    ("concurrency-limits", "insufficient job-level concurrency limits", _L, None),
    ("dangerous-triggers", "use of a fundamentally insecure workflow trigger", _H, 829),
    ("dependabot-cooldown", "insufficient cooldown in Dependabot updates", _M, None),
    ("dependabot-execution", "external code execution in Dependabot updates", _H, 829),
    ("excessive-permissions", "overly broad permissions", _M, 250),
    ("forbidden-uses", "forbidden action or repository used", _H, 829),
    ("github-app", "dangerous use of GitHub App tokens", _M, 250),
    ("github-env", "dangerous use of environment file", _H, 94),
    ("hardcoded-container-credentials", "hardcoded credential in container configuration", _H, 798),
    ("impostor-commit", "commit with no history in the referenced repository", _H, 829),
    ("insecure-commands", "execution of insecure workflow commands is enabled", _H, 94),
    ("insecure-url-scheme", "use of an insecure scheme within a URL", _M, 319),
    ("known-vulnerable-actions", "action has a known vulnerability", _H, 1395),
    ("misfeature", "usage of GitHub Actions misfeatures", _L, None),
    ("obfuscation", "obfuscated usage of GitHub Actions features", _L, None),
    ("overprovisioned-secrets", "excessively provisioned secrets", _M, 200),
    ("ref-confusion", "git ref for an action with an ambiguous ref type", _M, 829),
    ("ref-version-mismatch", "hash pin with a mismatched or missing version comment", _L, None),
    ("secrets-inherit", "secrets unconditionally inherited by called workflows", _M, 200),
    ("secrets-outside-env", "secrets referenced without a dedicated environment", _L, 200),
    ("self-hosted-runner", "runs on a self-hosted runner", _M, None),
    ("self-repository", "use GitHub's dedicated self-repository syntax", _I, None),
    ("stale-action-refs", "commit hash does not point to a Git tag", _L, None),
    ("superfluous-actions", "action functionality is already included by the runner", _I, None),
    ("template-injection", "code injection via template expansion", _H, 94),
    ("typosquat-uses", "repository name looks like a typosquat", _H, 829),
    ("undocumented-permissions", "permissions without explanatory comments", _I, None),
    ("unpinned-images", "unpinned image references", _M, 829),
    ("unpinned-tools", "action installs a tool without pinning it", _M, 829),
    ("unpinned-uses", "unpinned action reference", _H, 829),
    ("unredacted-secrets", "leaked secret values", _H, 200),
    ("unsound-condition", "unsound conditional expression", _H, 670),
    ("unsound-contains", "unsound contains condition", _M, 670),
    ("unsound-ternary", "unsound pseudo-ternary expression", _L, 670),
    ("use-trusted-publishing", "prefer trusted publishing for authentication", _I, None),
)  # fmt: skip

UNKNOWN_AUDIT = Rule(
    "GK-WFL-100",
    "zizmor: an audit gatekeeper does not know yet",
    Severity.HIGH,
    cwe=1395,
    description="A finding of a zizmor audit newer than gatekeeper's table (the audit's name "
    "is in the message and `data.audit`); its severity is zizmor's. Upgrade gatekeeper.",
    help_uri=_DOCS,
)
#: audit name → its rule.
AUDIT_RULES: dict[str, Rule] = {
    name: Rule(
        f"GK-WFL-{101 + index}",
        f"zizmor: {name}",
        severity,
        cwe=cwe,
        description=f"zizmor's `{name}` audit: {what}.",
        help_uri=_DOCS + name,
    )
    for index, (name, what, severity, cwe) in enumerate(AUDITS)
}
RULES: tuple[Rule, ...] = (UNKNOWN_AUDIT, *AUDIT_RULES.values())

_SEVERITIES = {
    "informational": Severity.INFO,
    "low": Severity.LOW,
    "medium": Severity.MEDIUM,
    "high": Severity.HIGH,
}


@dataclass(frozen=True, slots=True)
class Refused:
    """zizmor could not load the file (its schema or YAML parser refused it)."""

    reason: str
    line: int | None = None


#: Runs zizmor on one file (relative to the root) within a number of seconds: its JSON
#: report, or why it refused the file. Tests substitute a function that replays a report.
Engine = Callable[[Path, str, float], "bytes | Refused"]


def find_zizmor() -> str:
    """The zizmor binary: the one installed beside this interpreter (the wheel's), else
    ``zizmor`` on PATH; raises :class:`InputError` when there is none."""
    scripts = sysconfig.get_path("scripts")
    search = os.pathsep.join(
        [scripts, str(Path(sys.executable).parent), os.environ.get("PATH", "")]
    )
    found = shutil.which("zizmor", path=search)
    if found is None:
        raise InputError(
            "zizmor is not installed: the workflows gate cannot run",
            path="workflows",
            hint="pip install 'zizmor>=1.32,<2' beside gatekeeper, or disable the gate",
        )
    return found


def argv(exe: str, path: str, persona: str) -> list[str]:
    """zizmor's command line for one file: offline, JSON, no repository configuration."""
    return [
        exe,
        "--offline",
        "--no-config",
        "--no-ignores",
        "--no-exit-codes",
        "--strict-collection",
        "--no-progress",
        "--color=never",
        f"--persona={persona}",
        "--format=json",
        "--",
        path,
    ]


def zizmor_engine(persona: str = "regular") -> Engine:
    """The real engine: zizmor found by :func:`find_zizmor`, run as a subprocess."""
    exe = find_zizmor()

    def run(root: Path, path: str, timeout_s: float) -> bytes | Refused:
        return run_zizmor(argv(exe, path, persona), root, timeout_s)

    return run


def run_zizmor(command: Sequence[str], root: Path, timeout_s: float) -> bytes | Refused:
    """Run ``command`` in ``root``: its stdout (at most :data:`MAX_OUTPUT` bytes) on success,
    :class:`Refused` when zizmor could not load the input; else :class:`InputError`."""
    from gatekeeper.fsutil import read_bounded
    from gatekeeper.subprocesses import clean_env

    env = {k: v for k, v in clean_env().items() if k not in _STRIPPED_ENV}
    env |= {"RUST_BACKTRACE": "0", "RUST_LIB_BACKTRACE": "0", "NO_COLOR": "1"}
    with tempfile.TemporaryDirectory(prefix="gatekeeper-zizmor-") as tmp:
        out, err = Path(tmp) / "out", Path(tmp) / "err"
        with out.open("wb") as stdout, err.open("wb") as stderr:
            proc = subprocess.Popen(  # noqa: S603  # nosec B603  # our binary, fixed argv
                list(command),
                cwd=root,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=stdout,
                stderr=stderr,
            )
            try:
                returncode = proc.wait(timeout=max(timeout_s, 0.001))
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
                raise InputError(
                    "zizmor was killed at the workflows gate's deadline",
                    path="policy: workflows.timeout_s",
                    hint="raise workflows.timeout_s",
                ) from None
        problem = _tail(err)
        if returncode != 0:
            return _refused(problem, returncode)
        try:
            return read_bounded(out, MAX_OUTPUT)
        except OSError as exc:
            raise InputError(f"zizmor's report: {exc.strerror}", path="workflows") from None


def _tail(path: Path) -> str:
    with path.open("rb") as handle:
        size = handle.seek(0, os.SEEK_END)
        handle.seek(max(0, size - 16384))
        return handle.read().decode("utf-8", "replace")


_CAUSE = re.compile(r"^\s*\d+: (?P<cause>.+)$", re.MULTILINE)
_AT_LINE = re.compile(r"\bat line (\d+)")


def _refused(stderr: str, returncode: int) -> Refused:
    """Why zizmor refused the input, from its stderr; :class:`InputError` when it failed for
    another reason (a crash, a bad flag)."""
    if "failed to load" not in stderr:
        lines = [line for line in stderr.splitlines() if line.strip()]
        last = lines[-1].strip() if lines else "no message"
        raise InputError(f"zizmor failed (exit {returncode}): {last}", path="workflows")
    causes = [m["cause"].strip() for m in _CAUSE.finditer(stderr.split("Stack backtrace")[0])]
    reason = causes[-1] if causes else "refused by zizmor"
    at = _AT_LINE.search(reason)
    return Refused(f"zizmor: {reason}", int(at[1]) if at else None)


def findings(path: str, report: bytes, text_at: Callable[[int], str]) -> list[Finding]:
    """Our findings from zizmor's JSON ``report`` on ``path``; ``text_at(line)`` is the source
    line for the fingerprint. A report that is not zizmor's JSON raises :class:`InputError`."""
    try:
        items = json.loads(report)
        if not isinstance(items, list):
            raise TypeError("not a list")
        return [_finding(path, item, text_at) for item in items]
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        raise InputError(f"zizmor's report is not its JSON format ({exc})", path=path) from None


def _finding(path: str, item: Mapping[str, Any], text_at: Callable[[int], str]) -> Finding:
    audit = str(item["ident"])
    rule = AUDIT_RULES.get(audit, UNKNOWN_AUDIT)
    determinations = item.get("determinations", {})
    named = str(determinations.get("severity", "unknown")).lower()
    severity = _SEVERITIES.get(named, Severity.HIGH)  # unknown: fail closed
    locations = list(item.get("locations") or [])
    primary = next(
        (loc for loc in locations if loc["symbolic"].get("kind") == "Primary"),
        locations[0] if locations else None,
    )
    line = column = None
    annotation = ""
    if primary is not None:
        start = primary["concrete"]["location"]["start_point"]
        line, column = int(start["row"]) + 1, int(start["column"]) + 1
        annotation = str(primary["symbolic"].get("annotation") or "")
    desc = str(item.get("desc") or audit)
    message = f"zizmor {audit}: {desc}" + (f": {annotation}" if annotation else "")
    return rule.finding(
        message,
        path,
        audit,
        text_at(line) if line is not None else "",
        annotation,
        location=Location(path, line, column),
        severity=severity,
        data={
            "audit": audit,
            "zizmor_severity": named,
            "confidence": str(determinations.get("confidence", "unknown")).lower(),
            "url": str(item.get("url") or _DOCS + audit),
        },
    )


class Deadline:
    """One deadline for every zizmor run of a gate."""

    def __init__(self, seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._end = clock() + seconds

    def left(self) -> float:
        return self._end - self._clock()
