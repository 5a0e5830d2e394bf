"""PR mode for the secrets gate: the findings already present at the base, counted per fingerprint.

Only what the change touched is read at the base. Files the change left alone contribute their
current findings (from the run's own scan); for changed files, their blobs at the base are read
in one ``git cat-file --batch`` (``git diff --raw -M``, no checkout) and scanned the same way.

Fingerprints hold the rule, the path and a hash of the secret, never a line, so a secret that
moves within its file stays pre-existing. A renamed file's base blob is scanned *under its new
path*: a secret that moved with its file (``git mv``, rename detected by git's similarity
index) is pre-existing; the same secret pasted into another file is new. Findings are counted: a
secret the base had once in a file and the change pastes there again is one pre-existing
finding and one new one (the later).
"""

from __future__ import annotations

import posixpath
import tempfile
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from gatekeeper.fsutil import MAX_FILE_BYTES
from gatekeeper.gates.secrets.detect import Hit, scan
from gatekeeper.gates.secrets.gate import (
    ENV_FILE,
    MUST_IGNORE,
    NOT_IGNORED,
    decode_text,
    finding,
    ignore_rules,
    is_env_file,
    is_fixture,
    new_skips,
)
from gatekeeper.model import Finding

if TYPE_CHECKING:
    from gatekeeper.gates.interface import GateContext
    from gatekeeper.git import Change, GitRepo

#: Modes of the base blobs that are scanned: regular files (not symlinks, not submodules).
_REGULAR = frozenset({"100644", "100755"})


def base_counts(
    ctx: GateContext, base: str, hits: Sequence[tuple[str, Hit]], findings: Sequence[Finding]
) -> Counter[str]:
    """How many findings of each fingerprint the tree at ``base`` has, given the current
    tree's ``hits`` and ``findings`` (the gate's run)."""
    changes = ctx.git.changes(base)
    changed = {c.path for c in changes}
    out = Counter(finding(hit, path).fingerprint for path, hit in hits if path not in changed)
    out += _changed_files(ctx, changes)
    out += _env_files(changes, findings)
    out += _ignore_rules(ctx.git, base, changed, findings)
    # a secret history reports once, however often the base's tree held it
    out |= _history(ctx.git, base, findings)
    return out


def _changed_files(ctx: GateContext, changes: Iterable[Change]) -> Counter[str]:
    """The secrets in the base blobs of changed files, under today's path, counted."""
    policy = ctx.policy.secrets
    scanned = [
        c
        for c in changes
        if c.old_path is not None
        and c.status != "D"
        and c.old_mode in _REGULAR
        and not is_fixture(c.path, policy.fixtures)
    ]
    blobs = ctx.git.blobs([c.old_blob for c in scanned], MAX_FILE_BYTES)
    out: Counter[str] = Counter()
    for change in scanned:
        data = blobs.get(change.old_blob)  # None: larger than the limit, skipped now as well
        text = None if data is None else decode_text(data, change.path, new_skips())
        if text is not None:
            hits = scan(text, policy.min_entropy)
            out.update(finding(hit, change.path).fingerprint for hit in hits)
    return out


def _env_files(changes: Iterable[Change], findings: Iterable[Finding]) -> Counter[str]:
    """Tracked env files that were tracked at the base too (renamed from an env file)."""
    was = {c.path: c.old_path for c in changes}
    return Counter(
        f.fingerprint
        for f in findings
        if f.rule_id == ENV_FILE.id
        and f.location is not None
        and (f.location.path not in was or is_env_file(was[f.location.path] or ""))
    )


def _ignore_rules(
    git: GitRepo, base: str, changed: set[str], findings: Iterable[Finding]
) -> Counter[str]:
    """The ignore-rules finding at the base: today's when no ``.gitignore`` on the way to the
    paths that must be ignored changed; else checked again with the base's ``.gitignore``
    files (``info/exclude`` and ``core.excludesFile`` are not versioned: as they are now)."""
    relevant = sorted(_gitignores())
    if not changed.intersection(relevant):
        return Counter(f.fingerprint for f in findings if f.rule_id == NOT_IGNORED.id)
    with tempfile.TemporaryDirectory(prefix="gatekeeper-secrets-base-") as tmp:
        for path in relevant:
            data = git.show(base, path)
            if data is not None:
                target = Path(tmp) / path
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(data)
        return Counter(f.fingerprint for f in ignore_rules(git, work_tree=Path(tmp)))


def _gitignores() -> set[str]:
    """The ``.gitignore`` files that can decide about the paths in :data:`MUST_IGNORE`."""
    out = set()
    for path in MUST_IGNORE:
        directory = posixpath.dirname(path)
        while True:
            out.add(posixpath.join(directory, ".gitignore"))
            if not directory:
                break
            directory = posixpath.dirname(directory)
    return out


def _history(git: GitRepo, base: str, findings: Iterable[Finding]) -> Counter[str]:
    """With ``history``: secrets deleted from the tree that a commit of the base added."""
    out: Counter[str] = Counter()
    for f in findings:
        commit = f.data.get("commit")
        if f.data.get("history_only") and isinstance(commit, str) and git.is_ancestor(commit, base):
            out[f.fingerprint] = 1
    return out
