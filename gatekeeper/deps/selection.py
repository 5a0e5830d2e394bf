"""What the policy's ``[audit]`` section selects in a repository: the files and dependencies to
audit, and the advisory source to audit them against.

Shared by the audit gate, ``audit --fix`` and ``outdated``, so each reads the same files.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from gatekeeper.deps.discover import (
    collect,
    discover_files,
    inside_repository,
    outside_error,
    working_tree_reader,
)
from gatekeeper.deps.interface import Dependency, ParseContext, Reader

if TYPE_CHECKING:
    from gatekeeper.advisories import AdvisorySource
    from gatekeeper.policy.model import Policy


def _resolve(root: Path, value: str) -> Path:
    path = Path(value).expanduser()
    return path if path.is_absolute() else root / path


def audit_files(root: Path, policy: Policy) -> list[str]:
    """The configured files (each inside the repository, else refused), else the discovered
    ones (none when an env is audited)."""
    if policy.audit.files:
        for path in policy.audit.files:
            if inside_repository(path) is None:
                raise outside_error(path, "audit.files")
        return list(policy.audit.files)
    return [] if policy.audit.env else discover_files(root)


def dependencies(
    root: Path,
    policy: Policy,
    reader: Reader | None = None,
    context: ParseContext | None = None,
    files: list[str] | None = None,
) -> list[Dependency]:
    """Every dependency the audited files (``files`` if given, else :func:`audit_files`; and
    ``audit.env``) declare; ``context`` receives what is skipped and what lockfiles say the
    target does not install."""
    if context is None:
        context = ParseContext(environment=policy.audit.environment)
    if files is None:
        files = audit_files(root, policy)
    deps = collect(files, reader or working_tree_reader(root), context)
    if policy.audit.env:
        from gatekeeper.deps.env import parse_env

        deps += parse_env(_resolve(root, policy.audit.env))
    return deps


def open_advisories(root: Path, policy: Policy) -> AdvisorySource:
    from gatekeeper.advisories import open_source

    db = _resolve(root, policy.audit.db) if policy.audit.db else None
    return open_source(db, policy.audit.osv_url)
