"""``gatekeeper publish``: vet an internal package, then release it to devpi, or stop.

The steps, each reported as one pseudo-gate of the run's :class:`~gatekeeper.model.Report`
(judged by :func:`gatekeeper.runner.judge_steps`, rendered by the usual reporters)::

    source     the package is a clean git checkout (its commit is the release's provenance)
    build      sdist and wheel with ``build``, isolated        (gatekeeper.registry.build)
    release    the version against the target index: new, identical (a no-op), or changed
    artifacts  the built files: archive safety, twine, check-wheel-contents, contents, name,
               version                                          (gatekeeper.registry.vet)
    GATE...    the package's own gates (``publish.gates``), through the runner
    api        the public API against the latest release, with griffe (gatekeeper.registry.semver)
    upload     to ORG/staging, provenance attached, smoke install, push to ORG/prod
               (gatekeeper.registry.release)

The first step that fails stops the run: nothing after it happens, and nothing is ever written
to the target index except by the final push, which devpi applies as one transaction. A
candidate left on staging by a failed upload step is deleted again. ``dry_run`` stops before
the upload. :attr:`Published.stopped_at` names the step that stopped it.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from gatekeeper.errors import GatekeeperError, ReleaseRefused, SmokeTestFailed
from gatekeeper.model import Finding, GateReport, GateResult, Location, Rule, Severity, Status

if TYPE_CHECKING:
    from gatekeeper.policy.model import Policy
    from gatekeeper.registry.devpi import DevpiClient, VersionData
    from gatekeeper.registry.vet import Vetting

DIRTY = Rule(
    "GK-PUB-040",
    "Package has uncommitted changes",
    Severity.HIGH,
    description="The package's directory differs from its git commit (modified, staged or "
    "untracked files), so the release would not be the commit its provenance names.",
)
CHANGED_VERSION = Rule(
    "GK-PUB-041",
    "Published version with other content",
    Severity.CRITICAL,
    cwe=494,
    description="The version is already on the target index with different files. A "
    "published version is immutable: release a new version.",
)
UNCHANGED = Rule(
    "GK-PUB-042",
    "Version already published with identical files",
    Severity.INFO,
    description="Every built file is already on the target index with the same sha256: "
    "publishing again changes nothing (a no-op success).",
)
SMOKE = Rule(
    "GK-PUB-043",
    "Release does not install or import from the index",
    Severity.HIGH,
    description="pip could not install the candidate from staging into a fresh virtual "
    "environment, or importing it failed there.",
)
NOT_A_GIT_CHECKOUT = Rule(
    "GK-PUB-044",
    "Package is not in a git repository",
    Severity.HIGH,
    description="Without a commit the release has no provenance, and the sdist cannot be "
    "compared with what git tracks.",
)
RULES: tuple[Rule, ...] = (DIRTY, CHANGED_VERSION, UNCHANGED, SMOKE, NOT_A_GIT_CHECKOUT)

Step = Literal["source", "build", "release", "artifacts", "gates", "api", "upload"]
Progress = Callable[[str], None]


@dataclass(frozen=True, slots=True, kw_only=True)
class Target:
    """Where a release goes: ``staging`` (volatile) first, then ``prod``."""

    url: str
    staging: str
    prod: str


@dataclass(frozen=True)
class Published:
    """What :func:`publish` did. ``state``: ``published``; ``unchanged`` (identical files were
    already released: a no-op); ``checked`` (a dry run that passed); ``stopped`` (a step
    failed: :attr:`stopped_at`)."""

    gates: tuple[GateReport, ...]
    state: Literal["published", "unchanged", "checked", "stopped"]
    stopped_at: str | None = None
    name: str | None = None
    version: str | None = None
    listing: str = ""
    commit: str | None = None


def _quiet(_: str) -> None:
    return None


def git_state(source: Path) -> tuple[str | None, list[Finding]]:
    """The commit of ``source`` and a finding when the package is not exactly that commit."""
    from gatekeeper.git import GitRepo

    repo = GitRepo(source)
    where = Location(".")
    try:
        commit = repo.resolve("HEAD")
    except GatekeeperError:
        return None, [
            NOT_A_GIT_CHECKOUT.finding(
                f"{source.name} is not in a git repository with a commit: commit it first",
                source.name,
                location=where,
            )
        ]
    lines = repo.dirty(".")
    if lines is None or lines:
        lines = lines or []
        shown = ", ".join(line[3:] for line in lines[:5]) or "git status failed"
        more = f" and {len(lines) - 5} more" if len(lines) > 5 else ""
        return commit, [
            DIRTY.finding(
                f"uncommitted changes in {source.name}: {shown}{more}; commit them (or stash "
                "them) so the release is the commit it names",
                source.name,
                location=where,
            )
        ]
    return commit, []


def import_name(vetting_files: Sequence[str], distribution: str) -> str:
    """The import package a wheel provides: the top-level directory named like the
    distribution, else the first top-level package or module."""
    tops = sorted(
        {
            path.split("/", 1)[0].removesuffix(".py")
            for path in vetting_files
            if not path.split("/", 1)[0].endswith((".dist-info", ".data"))
            and ("/" in path or path.endswith(".py"))
        }
    )
    wanted = distribution.replace("-", "_").replace(".", "_").lower()
    return wanted if wanted in tops else (tops[0] if tops else wanted)


class _Run:
    """One publication's state: the reports so far, the step that stopped it, and what is
    known of the release so far."""

    def __init__(self, policy: Policy, progress: Progress) -> None:
        self.policy = policy
        self.progress = progress
        self.gates: list[GateReport] = []
        self.stopped_at: str | None = None
        self.name: str | None = None
        self.version: str | None = None
        self.listing = ""
        self.commit: str | None = None

    def judge(self, step: str, result: GateResult, duration_s: float = 0.0) -> bool:
        """Judge one step's result; False (and the run stops) when it did not pass."""
        from gatekeeper import runner

        (report,) = runner.judge_steps([(step, result, duration_s)], self.policy)
        return self.add(report)

    def add(self, report: GateReport) -> bool:
        self.gates.append(report)
        self.progress(f"{report.name}: {report.status.value} ({report.duration_s:.1f}s)")
        if report.status in (Status.FAILED, Status.ERRORED) and self.stopped_at is None:
            self.stopped_at = report.name
        return report.status not in (Status.FAILED, Status.ERRORED)

    def errored(self, step: str, exc: BaseException, duration_s: float = 0.0) -> bool:
        from gatekeeper import runner

        return self.judge(step, runner.errored_result(exc), duration_s)

    def finish(self, state: Literal["published", "unchanged", "checked", "stopped"]) -> Published:
        return Published(
            tuple(self.gates),
            state,
            self.stopped_at,
            self.name,
            self.version,
            self.listing,
            self.commit,
        )


def publish(
    source: Path,
    *,
    policy: Policy,
    client: DevpiClient,
    target: Target,
    dry_run: bool = False,
    run_gates: bool = True,
    progress: Progress = _quiet,
) -> Published:
    """Vet ``source`` (a package directory) and, unless ``dry_run``, release it to
    ``target.prod`` through ``target.staging``. ``client`` is logged in (or anonymous for a
    dry run). ``run_gates`` False skips the package's own gates (reported as skipped)."""
    import time

    from gatekeeper.registry.build import build

    run = _Run(policy, progress)
    started = time.monotonic()
    run.commit, dirt = git_state(source)
    if not run.judge("source", GateResult.ok(dirt), time.monotonic() - started):
        return run.finish("stopped")
    with tempfile.TemporaryDirectory(prefix="gatekeeper-publish-") as temp:
        started = time.monotonic()
        try:
            built = build(source, Path(temp))
        except GatekeeperError as exc:
            run.errored("build", exc, time.monotonic() - started)
            return run.finish("stopped")
        run.judge("build", GateResult.ok([]), built.duration_s)
        return _release(run, source, built.sdist, built.wheel, client, target, dry_run, run_gates)


def _release(
    run: _Run,
    source: Path,
    sdist: Path,
    wheel: Path,
    client: DevpiClient,
    target: Target,
    dry_run: bool,
    run_gates: bool,
) -> Published:
    import time

    from gatekeeper.registry import release
    from gatekeeper.registry.vet import render_listing, vet_artifacts

    files = [sdist, wheel]
    started = time.monotonic()
    try:
        meta = release.core_metadata(wheel)
        name, version = str(meta.get("name", "")), str(meta.get("version", ""))
        run.name, run.version = name, version
        prod = client.versions(target.prod, name)  # the one listing of prod this run reads
    except GatekeeperError as exc:
        run.errored("release", exc, time.monotonic() - started)
        return run.finish("stopped")
    comparison = release.compare(release.stored_files(prod.get(version)), files)
    here = Location(f"{target.prod}/{name}/{version}")
    if comparison.state == "identical":
        note = UNCHANGED.finding(
            f"{name} {version} is already on {target.prod} with these exact files: nothing to do",
            name,
            version,
            location=here,
        )
        run.judge("release", GateResult.ok([note]), time.monotonic() - started)
        return run.finish("unchanged")
    if comparison.state == "different":
        detail = ", ".join([*comparison.changed, *(f"{m} (new)" for m in comparison.missing)])
        refused = CHANGED_VERSION.finding(
            f"{name} {version} is already on {target.prod} with other files ({detail}): a "
            "published version is immutable; release a new version",
            name,
            version,
            location=here,
        )
        run.judge("release", GateResult.ok([refused]), time.monotonic() - started)
        return run.finish("stopped")
    run.judge("release", GateResult.ok([]), time.monotonic() - started)

    started = time.monotonic()
    try:
        vetting = vet_artifacts(
            sdist, wheel, source_root=source, policy=run.policy, existing_versions=list(prod)
        )
    except GatekeeperError as exc:
        run.errored("artifacts", exc, time.monotonic() - started)
        return run.finish("stopped")
    run.listing = render_listing(vetting.listing)
    if not run.judge("artifacts", GateResult.ok(list(vetting.findings)), vetting.duration_s):
        return run.finish("stopped")
    if not _package_gates(run, source, run_gates):
        return run.finish("stopped")
    package = import_name(_wheel_files(vetting), name)
    if not _api(run, client, target, prod, wheel, package):
        return run.finish("stopped")
    if dry_run:
        return run.finish("checked")
    if not _upload(run, client, target, files, meta, package):
        return run.finish("stopped")
    return run.finish("published")


def _wheel_files(vetting: Vetting) -> list[str]:
    return [e.path for e in vetting.listing if e.artifact.endswith(".whl")]


def _package_gates(run: _Run, source: Path, run_gates: bool) -> bool:
    """The package's own gates, judged by the runner as ``gatekeeper check`` judges them."""
    from gatekeeper import runner

    names = list(run.policy.publish.gates)
    if not names:
        return True
    if not run_gates:
        for name in names:
            run.add(GateReport(name, Status.SKIPPED, reason="--skip-gates"))
        return True
    report = runner.run(source, run.policy, gates=names)
    ok = True
    for gate in report.gates:
        ok = run.add(gate) and ok
    return ok


def _api(
    run: _Run,
    client: DevpiClient,
    target: Target,
    prod: Mapping[str, VersionData],
    wheel: Path,
    package: str,
) -> bool:
    """The public API against the latest release in ``prod`` (the target index's versions;
    none: nothing to compare, the step passes with no finding)."""
    import time

    from gatekeeper.registry import semver, versions
    from gatekeeper.registry.artifacts import unpacked

    started = time.monotonic()
    name, version = str(run.name), str(run.version)
    latest = versions.latest(prod)
    if latest is None:
        return run.judge("api", GateResult.ok([]), time.monotonic() - started)
    data = next(d for text, d in prod.items() if versions.parse(text) == latest)
    wheels = [link for link in data.release_files if link.basename.endswith(".whl")]
    if not wheels:
        missing = semver.UNCOMPARABLE.finding(
            f"{name} {latest} on {target.prod} has no wheel to compare with",
            name,
            str(latest),
            location=Location(f"{target.prod}/{name}/{latest}"),
        )
        return run.judge("api", GateResult.ok([missing]), time.monotonic() - started)
    try:
        with tempfile.TemporaryDirectory(prefix="gatekeeper-previous-") as temp:
            previous = Path(temp) / wheels[0].basename
            previous.write_bytes(client.read_bytes(wheels[0].href))
            with unpacked(previous) as old, unpacked(wheel) as new:
                findings = [*old.findings] if old.blocked else []
                findings += semver.api_changes(
                    old.root, new.root, package, old_version=str(latest), new_version=version
                )
    except GatekeeperError as exc:
        return run.errored("api", exc, time.monotonic() - started)
    return run.judge("api", GateResult.ok(findings), time.monotonic() - started)


def _upload(
    run: _Run,
    client: DevpiClient,
    target: Target,
    files: Sequence[Path],
    meta: dict[str, str | list[str]],
    package: str,
) -> bool:
    """Staging, provenance, smoke install, promotion; a failure deletes the candidate from
    staging again and leaves prod as it was."""
    import time

    from gatekeeper.registry import release

    started = time.monotonic()
    name, version = str(run.name), str(run.version)
    verdicts = {g.name: g.status.value for g in run.gates}
    provenance = release.Provenance(commit=run.commit or "", gates=verdicts)
    uploaded = False
    try:
        release.upload(client, target.staging, files, meta)
        uploaded = True
        release.attach_provenance(client, target.staging, name, version, provenance)
        release.smoke_install(
            f"{client.url}/{target.staging}/+simple/", name, version, package, visible=_site_dirs()
        )
        release.promote(client, target.staging, target.prod, name, version)
    except SmokeTestFailed as exc:
        _discard(client, target, name, version, uploaded)
        failure = SMOKE.finding(
            str(exc), name, version, location=Location(f"{target.staging}/{name}/{version}")
        )
        return run.judge("upload", GateResult.ok([failure]), time.monotonic() - started)
    except ReleaseRefused as exc:
        _discard(client, target, name, version, uploaded)
        refused = CHANGED_VERSION.finding(
            str(exc), name, version, location=Location(f"{target.prod}/{name}/{version}")
        )
        return run.judge("upload", GateResult.ok([refused]), time.monotonic() - started)
    except GatekeeperError as exc:
        _discard(client, target, name, version, uploaded)
        return run.errored("upload", exc, time.monotonic() - started)
    return run.judge("upload", GateResult.ok([]), time.monotonic() - started)


def _site_dirs() -> list[Path]:
    """Where this interpreter's packages are: the smoke test's venv sees them, so the
    package's dependencies need not be on the internal index (in production they come from
    its bases; here, from gatekeeper's own environment)."""
    import sysconfig

    paths = sysconfig.get_paths()
    return [Path(p) for p in dict.fromkeys((paths["purelib"], paths["platlib"]))]


def _discard(client: DevpiClient, target: Target, name: str, version: str, uploaded: bool) -> None:
    """Remove the candidate from staging; best effort (staging is volatile scratch space, and
    a failure to clean it must not hide the step's own error)."""
    if not uploaded:
        return
    try:
        from gatekeeper.registry import release

        release.discard(client, target.staging, name, version)
    except GatekeeperError:
        return
