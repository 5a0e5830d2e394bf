"""The ``sast`` gate: bandit's tests on every Python file (PR mode: the changed ones).

Rules: :mod:`.rules`. Files are read once (bounded, symlinks skipped), looked up in the cache
and the misses analysed by bandit in worker processes. Findings are judged against the two
thresholds (``report_at``, ``fail_at``) and our ``# nosec`` rules. Fingerprints hold the rule,
the path and the stripped source line, never line numbers.
"""

from __future__ import annotations

import fnmatch
import json
import os
import tomllib
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gatekeeper.baseline import Counts, counts
from gatekeeper.errors import InputError
from gatekeeper.fsutil import MAX_FILE_BYTES, read_bounded
from gatekeeper.gates.interface import Gate, GateContext
from gatekeeper.gates.sast import rules as r
from gatekeeper.gates.sast.engine import FileResult, Profile
from gatekeeper.gates.sast.suppress import Nosec, parse
from gatekeeper.model import Finding, GateResult, Location, Severity
from gatekeeper.skips import Skips, read_file, unless_binary

if TYPE_CHECKING:
    from gatekeeper.policy.model import SastPolicy, Threshold

#: Directories never analysed (bandit's defaults, and virtualenvs).
EXCLUDED_DIRS: tuple[str, ...] = (
    *(".svn", "CVS", ".bzr", ".hg", ".git", "__pycache__", ".tox", ".eggs", "*.egg"),
    *(".venv", "venv", ".nox", "node_modules"),
)
#: bandit's levels (UNDEFINED counts as low).
_LEVELS = {
    "undefined": Severity.LOW,
    "low": Severity.LOW,
    "medium": Severity.MEDIUM,
    "high": Severity.HIGH,
}
#: Fewer files than this are analysed in-process: starting workers costs more.
MIN_PARALLEL_FILES = 64


class SastGate(Gate):
    name = "sast"
    description = "bandit's tests on the Python code, two thresholds, strict # nosec"
    rules = r.RULES
    #: A file that does not parse was not checked at all: no baseline accepts that.
    never_baselined = frozenset({r.UNPARSABLE.id})

    def run(self, ctx: GateContext) -> GateResult:
        only = None
        if ctx.base_ref is not None:
            only = frozenset(ctx.git.changed_files(ctx.base_ref))
        return scan(ctx.root, ctx.policy.sast, only=only)

    def baseline(self, ctx: GateContext) -> Counts | None:
        """PR mode: the findings the changed files had at
        ``ctx.base_ref`` (only they are analysed now). Their blobs there are read in one
        ``git cat-file --batch`` (no checkout) and analysed with today's profile; a file the
        change renamed is analysed under its new path, so its findings stay pre-existing. A
        file that does not parse is never pre-existing. Counted per fingerprint: a second
        identical line added to a file that had one is new."""
        if ctx.base_ref is None:
            return None
        policy = ctx.policy.sast
        profile, _ = profile_for(ctx.root, policy)
        changed = [
            c
            for c in ctx.git.changes(ctx.base_ref)
            if c.old_path is not None
            and c.status != "D"
            and c.old_mode in ("100644", "100755")
            and c.path.endswith(".py")
        ]
        blobs = ctx.git.blobs([c.old_blob for c in changed], MAX_FILE_BYTES)
        skips = new_skips()  # a binary blob at the base: skipped there as it is now
        sources = {
            c.path: data
            for c in changed
            if c.old_blob in blobs
            and (data := unless_binary(blobs[c.old_blob], c.path, skips)) is not None
        }
        result = analyse_sources(profile, policy, sources, skips)
        found = result.findings
        return counts(f for f in found if f.rule_id not in self.never_baselined)


def new_skips() -> Skips:
    """Where the gate counts the Python files it did not read (GK-SST-005 notes)."""
    return Skips(r.SKIPPED_FILE, "Python file(s)")


def bandit_version() -> str:
    from importlib.metadata import version

    return version("bandit")


def profile_for(root: Path, policy: SastPolicy) -> tuple[Profile, tuple[str, ...]]:
    """The bandit profile and the excluded path globs: the policy's, and ``[tool.bandit]``'s
    (``tests``, ``skips``, ``exclude_dirs``) in ``root/pyproject.toml``."""
    pyproject = root / "pyproject.toml"
    tool: dict[str, Any] = {}
    if pyproject.is_file():
        try:
            data = tomllib.loads(read_bounded(pyproject).decode())
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            raise InputError(f"cannot read [tool.bandit]: {exc}", path=pyproject) from None
        tool = data.get("tool", {}).get("bandit", {})
        if not isinstance(tool, dict):
            raise InputError("[tool.bandit] is not a table", path=pyproject)
    include = tuple(policy.include) or tuple(_strings(tool, "tests", pyproject))
    exclude = tuple(sorted({*policy.exclude, *_strings(tool, "skips", pyproject)}))
    paths = (*policy.exclude_paths, *_strings(tool, "exclude_dirs", pyproject))
    profile = Profile(
        include=tuple(sorted(include)),
        exclude=exclude,
        config_file=str(pyproject) if tool else None,
        config_json=json.dumps(tool, sort_keys=True, default=str),
    )
    return profile, paths


def _strings(tool: dict[str, Any], key: str, path: Path) -> list[str]:
    value = tool.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise InputError(f"[tool.bandit] {key} must be an array of strings", path=path)
    return value


def discover(root: Path, excluded: Sequence[str]) -> Iterator[str]:
    """Python files under ``root`` (relative POSIX paths, sorted), without excluded ones."""

    def out(rel: str) -> bool:
        return any(fnmatch.fnmatch(rel, g) or fnmatch.fnmatch(rel, f"{g}/*") for g in excluded)

    for top, dirs, files in os.walk(root):
        base = Path(top).relative_to(root).as_posix()
        prefix = "" if base == "." else f"{base}/"
        dirs[:] = sorted(
            d
            for d in dirs
            if not any(fnmatch.fnmatch(d, x) for x in EXCLUDED_DIRS) and not out(prefix + d)
        )
        for name in sorted(files):
            if name.endswith(".py") and not out(prefix + name):
                yield prefix + name


def scan(
    root: Path,
    policy: SastPolicy,
    only: frozenset[str] | None = None,
    cache_directory: Path | None = None,
    parallel: bool | None = None,
) -> GateResult:
    """The gate's result for ``root``; ``only``: just these relative paths (PR mode)."""
    profile, excluded = profile_for(root, policy)
    skips = new_skips()
    sources: dict[str, bytes] = {}
    for rel in discover(root, excluded):
        if only is not None and rel not in only:
            continue
        data = read_file(root, rel, skips, MAX_FILE_BYTES)
        if data is not None:
            sources[rel] = data
    return analyse_sources(profile, policy, sources, skips, cache_directory, parallel)


def analyse_sources(
    profile: Profile,
    policy: SastPolicy,
    sources: dict[str, bytes],
    skips: Skips,
    cache_directory: Path | None = None,
    parallel: bool | None = None,
) -> GateResult:
    """The gate's result for ``sources`` (relative path → content), and a note per reason
    files were ``skips``-ed (symlinks out of the repository, too large, binary)."""
    from gatekeeper.gates.sast.cache import ResultCache

    version = bandit_version()
    digest = profile.digest(version)
    cache = ResultCache(cache_directory) if policy.cache else None
    results: dict[str, FileResult] = {}
    keys: dict[str, str] = {}
    for rel in sources:
        if cache is not None:
            keys[rel] = cache.key(digest, rel, sources[rel])
            if (hit := cache.get(keys[rel])) is not None:
                results[rel] = hit
    misses = [rel for rel in sources if rel not in results]
    analysed = _analyse(profile, [(rel, sources[rel]) for rel in misses], policy.jobs, parallel)
    for rel, result in zip(misses, analysed, strict=True):
        results[rel] = result
        if cache is not None:
            cache.put(keys[rel], result)
    counts = {"reported": 0, "blocking": 0, "suppressed": 0, "below_threshold": 0}
    findings: list[Finding] = []
    for rel in sources:
        findings += _judge(rel, results[rel], policy, counts)
    return GateResult.ok(
        [*findings, *skips.findings()],
        files=len(sources),
        analysed=len(misses),
        cached=len(sources) - len(misses),
        skipped=skips.total,
        bandit=version,
        **counts,
    )


def _analyse(
    profile: Profile, files: list[tuple[str, bytes]], jobs: int, parallel: bool | None
) -> Iterator[FileResult]:
    """bandit's results for ``files``, in order, as they come: in chunks across ``jobs`` worker
    processes (0: one per CPU), or in-process for few files, one job, or ``parallel=False``."""
    from gatekeeper.gates.sast.engine import analyse

    workers = jobs or os.cpu_count() or 1
    if parallel is None:
        parallel = workers > 1 and len(files) >= MIN_PARALLEL_FILES
    if not parallel:
        yield from analyse(profile, files)
        return
    from concurrent.futures import ProcessPoolExecutor

    from gatekeeper.gates.sast.engine import _manager

    _manager(profile)  # import bandit and load its plugins once, before the workers fork
    size = max(1, len(files) // (workers * 8))
    chunks = [files[i : i + size] for i in range(0, len(files), size)]
    with ProcessPoolExecutor(max_workers=workers) as pool:
        for chunk in pool.map(analyse, [profile] * len(chunks), chunks):
            yield from chunk  # the caller caches these while the workers go on


def _reaches(issue: dict[str, Any], threshold: Threshold) -> bool:
    return (
        _LEVELS.get(issue["severity"], Severity.LOW) >= threshold.severity
        and _LEVELS.get(issue["confidence"], Severity.LOW) >= threshold.confidence
    )


def _judge(
    rel: str, result: FileResult, policy: SastPolicy, counts: dict[str, int]
) -> list[Finding]:
    """One file's findings: its parse error, bandit's issues judged by the thresholds and the
    ``# nosec`` comments, and the comments' own findings."""
    findings: list[Finding] = []
    if result["error"] is not None:
        findings.append(
            r.UNPARSABLE.finding(
                f"{rel} was not analysed: {result['error']}",
                rel,
                location=Location(rel),
                data={"error": result["error"]},
            )
        )
    comments = [parse(int(line), text) for line, text in result["nosec"].items()]
    nosecs = {c.line: c for c in comments if c is not None}
    used: set[tuple[int, str]] = set()
    for issue in result["issues"]:
        test_id = issue["test_id"]
        nosec = next((nosecs[n] for n in issue["lines"] if n in nosecs), None)
        if nosec is not None and test_id in nosec.ids:
            used.add((nosec.line, test_id))
            if nosec.reason or not policy.require_reason:
                counts["suppressed"] += 1
                continue
        if not _reaches(issue, policy.report_at):
            counts["below_threshold"] += 1
            continue
        blocking = _reaches(issue, policy.fail_at)
        counts["reported"] += 1
        counts["blocking"] += blocking
        findings.append(_bandit_finding(rel, issue, blocking))
    for nosec in nosecs.values():
        findings += _nosec_findings(rel, nosec, used, policy.require_reason)
    return findings


def _bandit_finding(rel: str, issue: dict[str, Any], blocking: bool) -> Finding:
    test_id = issue["test_id"]
    rule = r.bandit_rule(test_id, issue["test"], issue["cwe"])
    severity = _LEVELS.get(issue["severity"], Severity.LOW) if blocking else Severity.INFO
    data: dict[str, Any] = {
        "test": issue["test"],
        "bandit_severity": issue["severity"],
        "confidence": issue["confidence"],
        "blocking_threshold": blocking,
    }
    return rule.finding(
        f"{issue['text']} (severity {issue['severity']}, confidence {issue['confidence']})",
        rel,
        issue["code"],
        location=Location(rel, issue["line"], issue["column"]),
        severity=severity,
        data=data,
    )


def _nosec_findings(
    rel: str, nosec: Nosec, used: set[tuple[int, str]], need_reason: bool
) -> list[Finding]:
    where = Location(rel, nosec.line)
    if nosec.bare:
        return [
            r.BARE_NOSEC.finding(
                f"{nosec.text!r} names no bandit test ID: it suppresses nothing",
                rel,
                nosec.text,
                location=where,
            )
        ]
    findings = []
    if need_reason and not nosec.reason:
        findings.append(
            r.NOSEC_NO_REASON.finding(
                f"{nosec.text!r} gives no reason: it suppresses nothing "
                f"(write e.g. '# nosec {nosec.ids[0]} - why this is safe')",
                rel,
                nosec.text,
                location=where,
            )
        )
    findings += [
        r.UNUSED_NOSEC.finding(
            f"{nosec.text!r} suppresses {test_id}, which reported nothing here: remove it",
            rel,
            nosec.text,
            test_id,
            location=where,
            data={"test_id": test_id},
        )
        for test_id in nosec.ids
        if (nosec.line, test_id) not in used
    ]
    return findings
