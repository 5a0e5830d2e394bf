"""Select gates, run them concurrently, and judge their findings against the policy — once.

This is the only place that decides: thresholds, waivers, dev scope, the PR-mode baseline, the
verdict and the exit code. Gates only find; reporters only render.
"""

from __future__ import annotations

import datetime as dt
import fnmatch
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from gatekeeper import __version__
from gatekeeper.baseline import Counts, accepted
from gatekeeper.errors import (
    EXIT_BACKEND,
    EXIT_FAILED,
    EXIT_INPUT,
    EXIT_INTERNAL,
    EXIT_PASSED,
    BackendError,
    GatekeeperError,
    InputError,
    UsageError,
)
from gatekeeper.gates import GATES, load_gate
from gatekeeper.gates.interface import Gate, GateContext
from gatekeeper.git import GitRepo
from gatekeeper.model import (
    ErrorKind,
    Finding,
    GateReport,
    GateResult,
    JudgedFinding,
    Location,
    Report,
    Severity,
    Status,
    Summary,
)
from gatekeeper.policy.model import GateSection, Policy, Waiver
from gatekeeper.rules import (
    BASELINE_STALE,
    NOTHING_CHECKED,
    WAIVER_EXPIRED,
    WAIVER_NO_REASON,
    WAIVER_UNUSED,
)
from gatekeeper.verdicts import Verdict, VerdictCache

POLICY_GATE = "policy"
_MAIN = threading.main_thread()

_EXIT_FOR_KIND = {
    ErrorKind.INPUT: EXIT_INPUT,
    ErrorKind.BACKEND: EXIT_BACKEND,
    ErrorKind.INTERNAL: EXIT_INTERNAL,
}

GateLoader = Callable[[str], Gate]
#: Called as each gate finishes, from its worker thread: (gate name, one-line outcome).
Progress = Callable[[str, str], None]


@dataclass(frozen=True)
class _Raw:
    name: str
    result: GateResult
    #: PR mode: how many findings of each fingerprint the base had (None: no baseline).
    baseline: Counts | None
    duration_s: float
    #: How many findings of each fingerprint the section's counted baseline hides.
    hidden: Counter[str] = field(default_factory=Counter)
    #: Findings about the baseline's entries that hid nothing (stale).
    stale: tuple[Finding, ...] = ()


def select_gates(policy: Policy, requested: Sequence[str] = ()) -> list[str]:
    """The gates to run: those named (validated), else every gate the policy enables."""
    unknown = sorted(set(requested) - set(GATES))
    if unknown:
        raise UsageError(
            f"unknown gate {', '.join(unknown)}", hint=f"choose from {', '.join(GATES)}"
        )
    if requested:
        return [name for name in GATES if name in requested]
    return [name for name in GATES if _section(policy, name).enabled]


def _section(policy: Policy, name: str) -> GateSection:
    section = getattr(policy, name, None)
    return section if isinstance(section, GateSection) else GateSection()


def errored_result(exc: BaseException) -> GateResult:
    """What an exception escaping a gate (or a step of a command) means: an errored result
    whose kind gives the exit code (input 2, backend 3, anything else internal 4)."""
    if isinstance(exc, SystemExit):
        return GateResult.errored(
            f"gate ended early: something it ran called sys.exit({exc.code!r})",
            ErrorKind.INTERNAL,
        )
    if isinstance(exc, InputError | UsageError):
        return GateResult.errored(str(exc), ErrorKind.INPUT)
    if isinstance(exc, BackendError):
        return GateResult.errored(str(exc), ErrorKind.BACKEND)
    if isinstance(exc, GatekeeperError):
        return GateResult.errored(str(exc), ErrorKind.INTERNAL)
    return GateResult.errored(f"gate crashed: {exc.__class__.__name__}: {exc}", ErrorKind.INTERNAL)


def _outcome(result: GateResult, duration_s: float, cached: bool = False) -> str:
    if cached:
        return f"{len(result.findings)} finding(s), cached (inputs unchanged)"
    if result.error is not None:
        return f"errored after {duration_s:.1f}s"
    if result.skipped is not None:
        return f"skipped: {result.skipped}"
    return f"{len(result.findings)} finding(s) in {duration_s:.1f}s"


def _run_one(
    name: str,
    ctx: GateContext,
    loader: GateLoader,
    progress: Progress | None,
    cache: VerdictCache | None = None,
) -> _Raw:
    started = time.perf_counter()
    baseline: Counts | None = None
    cached = None
    try:
        gate = loader(name)
        key = cache.key(gate, ctx) if cache is not None else None
        if cache is not None and key is not None:
            cached = cache.lookup(name, key)
        if cached is not None:
            result, baseline = cached.result, cached.baseline
        else:
            result = gate.run(ctx)
            if ctx.base_ref is not None and result.error is None and result.skipped is None:
                baseline = gate.baseline(ctx)
            if cache is not None and key is not None:
                cache.store(name, key, Verdict(result, baseline))
        hidden, stale = _counted_baseline(ctx, name, result, gate.never_baselined)
    except BaseException as exc:  # noqa: BLE001 - fail closed: any crash is an errored gate
        # SystemExit too: a gate runs the repository's code and tools, and a sys.exit(0) there
        # must not end the run as a pass. Only a real Ctrl-C, which Python delivers to the
        # main thread, stops the run; one raised in a worker thread was raised by code.
        if isinstance(exc, KeyboardInterrupt) and threading.current_thread() is _MAIN:
            raise
        result, hidden, stale = errored_result(exc), Counter(), ()
    duration = time.perf_counter() - started
    if progress is not None:
        progress(name, _outcome(result, duration, cached is not None))
    return _Raw(name, result, baseline, duration, hidden, stale)


def _counted_baseline(
    ctx: GateContext, name: str, result: GateResult, never: frozenset[str] = frozenset()
) -> tuple[Counter[str], tuple[Finding, ...]]:
    """What the section's ``baseline`` file (:mod:`gatekeeper.baseline`) hides of ``result``
    (never findings of the rules in ``never``), and an info finding per stale entry."""
    path = _section(ctx.policy, name).baseline
    if path is None or result.error is not None or result.skipped is not None:
        return Counter(), ()
    from gatekeeper import baseline

    findings = [f for f in result.findings if f.rule_id not in never]
    _, hidden, stale = baseline.apply(findings, baseline.load(ctx.root / path))
    return baseline.counts(hidden), tuple(
        BASELINE_STALE.finding(
            f"{name} baseline entry for {entry.rule_id} ({entry.path or 'no path'}) hides "
            f"{entry.count} finding(s) fewer than it counts: the accepted problem is gone, "
            f"rewrite the baseline",
            name,
            entry.rule_id,
            entry.fingerprint,
            location=Location(path),
            data={"gate": name, "rule": entry.rule_id, "unused": entry.count},
        )
        for entry in stale
    )


def _run_all(
    names: Sequence[str],
    ctx: GateContext,
    loader: GateLoader,
    progress: Progress | None,
    cache: VerdictCache | None = None,
) -> list[_Raw]:
    """Run the gates, concurrently when there are several (in ``names`` order)."""
    if len(names) <= 1:  # one gate (``gatekeeper audit``, ``check --gate X``): no thread pool
        return [_run_one(name, ctx, loader, progress, cache) for name in names]
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=min(4, len(names))) as pool:
        return list(pool.map(lambda n: _run_one(n, ctx, loader, progress, cache), names))


def _matches(waiver: Waiver, finding: Finding) -> bool:
    if waiver.id not in finding.waivable_ids:
        return False
    if waiver.path is None:
        return True
    return finding.location is not None and fnmatch.fnmatch(finding.location.path, waiver.path)


def _usable(waiver: Waiver, today: dt.date) -> bool:
    return bool(waiver.reason.strip()) and waiver.expires >= today


def _print(finding: Finding) -> str:
    return finding.fingerprint


def _judge(
    raw: _Raw,
    section: GateSection,
    waivers: Sequence[Waiver],
    today: dt.date,
    used: set[int],
) -> GateReport:
    result = raw.result
    if result.error is not None:
        return GateReport(
            raw.name,
            Status.ERRORED,
            reason=result.error,
            error_kind=result.error_kind or ErrorKind.INTERNAL,
            metrics=result.metrics,
            duration_s=raw.duration_s,
        )
    if result.skipped is not None:
        return GateReport(
            raw.name, Status.SKIPPED, reason=result.skipped, duration_s=raw.duration_s
        )
    judged = []
    findings = result.findings
    # Both baselines count: N findings of a fingerprint at the base (or accepted in the file)
    # mark at most N of today's pre-existing, the earliest; an N+1th is new.
    at_base = frozenset() if raw.baseline is None else accepted(findings, raw.baseline, _print)
    hidden = accepted(findings, raw.hidden, _print)
    for position, finding in enumerate(findings):
        waiver_used: Waiver | None = None
        for index, waiver in enumerate(waivers):
            if _matches(waiver, finding):
                used.add(index)
                if _usable(waiver, today) and waiver_used is None:
                    waiver_used = waiver
        waived_by = waiver_used.id if waiver_used else None
        pre_existing = position in at_base or position in hidden
        in_scope = section.fail_on_dev or finding.scope != "dev"
        blocking = (
            finding.severity is not Severity.INFO
            and finding.severity >= section.fail_on
            and in_scope
            and waived_by is None
            and not pre_existing
        )
        reason = waiver_used.reason if waiver_used else None
        judged.append(JudgedFinding(finding, blocking, waived_by, pre_existing, reason))
    status = Status.FAILED if any(j.blocking for j in judged) else Status.PASSED
    return GateReport(
        raw.name, status, tuple(judged), metrics=result.metrics, duration_s=raw.duration_s
    )


def waiver_findings(
    waivers: Sequence[Waiver], used: set[int], today: dt.date, complete: bool
) -> list[Finding]:
    """Findings about the waivers themselves: expired, reasonless, and (on a full run) unused."""
    findings = []
    for index, waiver in enumerate(waivers):
        # No location: waivers may come from several policy files; reporters point at the policy.
        parts = (waiver.id, waiver.path)
        if waiver.expires < today:
            findings.append(
                WAIVER_EXPIRED.finding(
                    f"waiver for {waiver.id} expired on {waiver.expires.isoformat()}: fix the "
                    "problem or renew the waiver with a new reason",
                    *parts,
                    data={"waiver": waiver.id},
                )
            )
        if not waiver.reason.strip():
            findings.append(
                WAIVER_NO_REASON.finding(
                    f"waiver for {waiver.id} has no reason: say why the risk is accepted",
                    *parts,
                    data={"waiver": waiver.id},
                )
            )
        if complete and index not in used:
            findings.append(
                WAIVER_UNUSED.finding(
                    f"waiver for {waiver.id} matches no finding: remove it",
                    *parts,
                    data={"waiver": waiver.id},
                )
            )
    return findings


def judge(
    raws: Sequence[_Raw], policy: Policy, today: dt.date, *, full_run: bool
) -> list[GateReport]:
    """Every gate's report, plus the ``policy`` pseudo-gate's findings about the waivers
    (unused waivers only count on a ``full_run`` whose gates all ran)."""
    used: set[int] = set()
    reports = [_judge(r, _section(policy, r.name), policy.waiver, today, used) for r in raws]
    complete = full_run and all(r.status in (Status.PASSED, Status.FAILED) for r in reports)
    meta = [
        *(f for r in raws for f in r.stale),
        *waiver_findings(policy.waiver, used, today, complete),
    ]
    if all(r.status is Status.SKIPPED for r in reports):  # also no gate at all: fail closed
        reasons = "; ".join(f"{r.name}: {r.reason}" for r in reports) or "no gate is enabled"
        meta.append(
            NOTHING_CHECKED.finding(
                f"every gate was skipped, so nothing was checked ({reasons}): enable a gate "
                "that applies to this repository, or point gatekeeper at the right directory",
                *(r.name for r in reports),
            )
        )
    if meta:
        policy_raw = _Raw(POLICY_GATE, GateResult.ok(meta), None, 0.0)
        reports.append(_judge(policy_raw, GateSection(), (), today, set()))
    return reports


def judge_alone(
    name: str, result: GateResult, policy: Policy, today: dt.date | None = None
) -> list[GateReport]:
    """One gate's result judged exactly as ``gatekeeper check --gate NAME`` judges it, for a
    command that runs one gate's check on its own (``config check``, ``certs status``): with
    :func:`exit_code` it can never disagree with ``gatekeeper check``."""
    today = today or dt.datetime.now(dt.UTC).date()
    return judge([_Raw(name, result, None, 0.0)], policy, today, full_run=False)


def judge_steps(
    steps: Sequence[tuple[str, GateResult, float]], policy: Policy, today: dt.date | None = None
) -> list[GateReport]:
    """The steps of ``gatekeeper publish`` that are not gates (vetting the built artifacts, the
    API comparison, the upload), each judged like a gate whose threshold is
    ``publish.fail_on``; the policy's waivers apply as they do to gates."""
    today = today or dt.datetime.now(dt.UTC).date()
    section = GateSection(fail_on=policy.publish.fail_on)
    used: set[int] = set()
    return [
        _judge(_Raw(name, result, None, duration), section, policy.waiver, today, used)
        for name, result, duration in steps
    ]


def exit_code(gates: Iterable[GateReport]) -> int:
    """The run's exit code: an errored gate's (input 2, backend 3, internal 4), else 1 when a
    gate failed, else 0."""
    reports = list(gates)
    kinds = {g.error_kind for g in reports if g.status is Status.ERRORED}
    for kind in (ErrorKind.INPUT, ErrorKind.BACKEND, ErrorKind.INTERNAL):
        if kind in kinds:
            return _EXIT_FOR_KIND[kind]
    if any(g.status is Status.FAILED for g in reports):
        return EXIT_FAILED
    return EXIT_PASSED


def summarize(gates: Sequence[GateReport]) -> Summary:
    findings = [f for g in gates for f in g.findings]
    statuses = Counter(g.status for g in gates)
    severities = Counter(f.finding.severity.value for f in findings)
    return Summary(
        total=len(findings),
        blocking=sum(f.blocking for f in findings),
        waived=sum(f.waived_by is not None for f in findings),
        pre_existing=sum(f.pre_existing for f in findings),
        by_severity={s.value: severities.get(s.value, 0) for s in Severity},
        gates_passed=statuses[Status.PASSED],
        gates_failed=statuses[Status.FAILED],
        gates_skipped=statuses[Status.SKIPPED],
        gates_errored=statuses[Status.ERRORED],
    )


def run(
    root: Path,
    policy: Policy,
    *,
    gates: Sequence[str] = (),
    base_ref: str | None = None,
    policy_sources: Sequence[str] = (),
    today: dt.date | None = None,
    loader: GateLoader = load_gate,
    progress: Progress | None = None,
    cache: bool = False,
) -> Report:
    """Run the selected gates on ``root`` and return the judged, frozen report. With ``cache``
    (pre-push mode) a gate whose inputs did not change reuses its last raw result
    (:mod:`gatekeeper.verdicts`); the judging is always done afresh."""
    today = today or dt.datetime.now(dt.UTC).date()
    names = select_gates(policy, gates)
    git = GitRepo(root)
    base_commit = None
    if base_ref is not None:
        # an unknown or unusable base: a usage error before any gate
        base_commit = git.resolve_base(base_ref)
    ctx = GateContext(root=root, policy=policy, git=git, base_ref=base_ref)
    verdicts = VerdictCache(root, base_commit, today) if cache else None
    raws = _run_all(names, ctx, loader, progress, verdicts)

    reports = judge(raws, policy, today, full_run=not gates)

    return assemble(reports, root, base_ref=base_ref, policy_sources=policy_sources)


def assemble(
    reports: Sequence[GateReport],
    root: Path,
    *,
    base_ref: str | None = None,
    policy_sources: Sequence[str] = (),
) -> Report:
    """The frozen report of judged ``reports``: verdict, exit code and summary follow."""
    code = exit_code(reports)
    return Report(
        verdict=Status.PASSED if code == EXIT_PASSED else Status.FAILED,
        exit_code=code,
        gates=tuple(reports),
        tool_version=__version__,
        root=str(root),
        base_ref=base_ref,
        policy_sources=tuple(policy_sources),
        summary=summarize(reports),
    )
