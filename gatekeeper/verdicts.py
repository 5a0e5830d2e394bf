"""Pre-push mode's verdict cache: a gate whose inputs did not change reuses its last result.

A gate declares its inputs (:meth:`~gatekeeper.gates.interface.Gate.cache_inputs`); the key adds
everything else the result depends on: the gate, the repository, the PR-mode base commit, the
day, the validated policy, gatekeeper's version and the interpreter. Only a gate's raw result
(findings, metrics, its baseline) is stored; the runner judges it again on every run, so a
cached failing result fails as it did. Errored results are never stored.

Entries are small JSON files in ``cache_dir()/verdicts/`` (0700), one slot per repository and
gate, written atomically (0600). An entry that is corrupt, not this user's, group- or
world-writable, or for another key is ignored and the gate runs.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gatekeeper import __version__
from gatekeeper.fsutil import atomic_write, cache_dir, read_bounded
from gatekeeper.model import Finding, GateResult, Location, Severity

if TYPE_CHECKING:
    import datetime as dt

    from gatekeeper.baseline import Counts
    from gatekeeper.gates.interface import Gate, GateContext

#: Bumped when an entry's form changes (2: the baseline counts each fingerprint).
FORMAT = 2
MAX_ENTRY_BYTES = 4 << 20
_UNSAFE_MODE = stat.S_IWGRP | stat.S_IWOTH


@dataclass(frozen=True)
class Verdict:
    result: GateResult
    #: PR mode's baseline: findings per fingerprint at the base.
    baseline: Counts | None


def repo_inputs(ctx: GateContext, *extras: str, paths: tuple[str, ...] = ()) -> bytes:
    """A gate's inputs when they are the repository's files (all, or those under ``paths``:
    :meth:`GitRepo.state`) plus ``extras`` (tool versions, paths)."""
    return b"\0".join([ctx.git.state(*paths), *(extra.encode() for extra in extras)])


def _finding_json(finding: Finding) -> dict[str, Any]:
    from gatekeeper.report.interface import plain

    loc = finding.location
    return {
        "rule_id": finding.rule_id,
        "severity": finding.severity.value,
        "message": finding.message,
        "fingerprint": finding.fingerprint,
        "location": None
        if loc is None
        else {"path": loc.path, "line": loc.line, "column": loc.column, "end_line": loc.end_line},
        "help_uri": finding.help_uri,
        "title": finding.title,
        "data": plain(finding.data),
        "scope": finding.scope,
        "ids": list(finding.ids),
    }


def _finding(raw: dict[str, Any]) -> Finding:
    loc = raw["location"]
    return Finding(
        rule_id=str(raw["rule_id"]),
        severity=Severity(raw["severity"]),
        message=str(raw["message"]),
        fingerprint=str(raw["fingerprint"]),
        location=None if loc is None else Location(**loc),
        help_uri=raw["help_uri"],
        title=raw["title"],
        data=dict(raw["data"]),
        scope=raw["scope"],
        ids=tuple(raw["ids"]),
    )


def encode(key: str, verdict: Verdict) -> bytes:
    result = verdict.result
    entry = {
        "format": FORMAT,
        "key": key,
        "findings": [_finding_json(f) for f in result.findings],
        "metrics": dict(result.metrics),
        "skipped": result.skipped,
        "baseline": None if verdict.baseline is None else dict(sorted(verdict.baseline.items())),
    }
    return json.dumps(entry, sort_keys=True).encode()


def decode(key: str, data: bytes) -> Verdict | None:
    """The verdict in ``data`` if it is a well-formed entry for ``key``, else None."""
    try:
        entry = json.loads(data)
        if entry["format"] != FORMAT or entry["key"] != key:
            return None
        result = GateResult(
            findings=tuple(_finding(f) for f in entry["findings"]),
            metrics=dict(entry["metrics"]),
            skipped=entry["skipped"],
        )
        return Verdict(result, _counts(entry["baseline"]))
    except (ValueError, KeyError, TypeError, AttributeError):
        return None


def _counts(raw: object) -> dict[str, int] | None:
    if raw is None:
        return None
    if not isinstance(raw, dict) or not all(
        isinstance(n, int) and not isinstance(n, bool) and n > 0 for n in raw.values()
    ):
        raise ValueError("baseline: not counts per fingerprint")
    return {str(fingerprint): n for fingerprint, n in raw.items()}


def _private(st: os.stat_result) -> bool:
    return st.st_uid == os.getuid() and not st.st_mode & _UNSAFE_MODE


class VerdictCache:
    """Lookups and stores for one run (one repository, base commit and day)."""

    def __init__(
        self, root: Path, base_commit: str | None, today: dt.date, directory: Path | None = None
    ) -> None:
        self.root = root
        self.base_commit = base_commit
        self.today = today
        self.directory = directory or cache_dir() / "verdicts"

    def key(self, gate: Gate, ctx: GateContext) -> str | None:
        """The cache key of ``gate`` on ``ctx``, or None when it is not cached this time."""
        from gatekeeper.policy.validate import as_mapping

        try:
            inputs = gate.cache_inputs(ctx)
        except Exception:  # noqa: BLE001 - inputs unknown (no git, unreadable): just run the gate
            return None
        if inputs is None:
            return None
        policy = json.dumps(as_mapping(ctx.policy), sort_keys=True, default=str)
        digest = hashlib.sha256()
        for part in (
            f"gatekeeper-verdict/{FORMAT}",
            __version__,
            sys.version,
            sys.executable,
            gate.name,
            str(self.root),
            self.base_commit or "",
            self.today.isoformat(),
            policy,
        ):
            digest.update(f"{len(part)}:{part}\0".encode())
        digest.update(inputs)
        return digest.hexdigest()

    def _slot(self, gate: str) -> Path:
        name = hashlib.sha256(f"{self.root}\0{gate}".encode()).hexdigest()[:32]
        return self.directory / f"{gate}-{name}.json"

    def _usable_directory(self) -> bool:
        try:
            st = self.directory.lstat()
        except FileNotFoundError:
            return False
        return stat.S_ISDIR(st.st_mode) and _private(st)

    def lookup(self, gate: str, key: str) -> Verdict | None:
        if not self._usable_directory():
            return None
        path = self._slot(gate)
        try:
            st = path.lstat()
            if not stat.S_ISREG(st.st_mode) or not _private(st):
                return None
            data = read_bounded(path, MAX_ENTRY_BYTES)
        except OSError:
            return None
        return decode(key, data)

    def store(self, gate: str, key: str, verdict: Verdict) -> None:
        """Keep ``verdict`` for ``key``; an errored result or an unusable directory: nothing."""
        if verdict.result.error is not None:
            return
        try:
            self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        except OSError:
            return
        if not self._usable_directory():
            return
        try:
            atomic_write(self._slot(gate), encode(key, verdict), 0o600)
        except Exception:  # noqa: BLE001 - a full disk must not fail the run: no cache then
            return
