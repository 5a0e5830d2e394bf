"""What the policy's ``[audit]`` section selects in a repository: the files and dependencies to
audit, and the advisory source to audit them against.

Shared by the audit gate, ``audit --fix`` and ``outdated``, so each reads the same files.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from gatekeeper.deps.discover import collect, discover_files, working_tree_reader
from gatekeeper.deps.interface import Dependency, Reader

if TYPE_CHECKING:
    from gatekeeper.advisories import AdvisorySource
    from gatekeeper.policy.model import Policy


def _resolve(root: Path, value: str) -> Path:
    path = Path(value).expanduser()
    return path if path.is_absolute() else root / path


def audit_files(root: Path, policy: Policy) -> list[str]:
    """The configured files, else the discovered ones (none when an env is audited)."""
    if policy.audit.files:
        return list(policy.audit.files)
    return [] if policy.audit.env else discover_files(root)


def dependencies(root: Path, policy: Policy, reader: Reader | None = None) -> list[Dependency]:
    deps = collect(audit_files(root, policy), reader or working_tree_reader(root))
    if policy.audit.env:
        from gatekeeper.deps.env import parse_env

        deps += parse_env(_resolve(root, policy.audit.env))
    return deps


def open_advisories(root: Path, policy: Policy) -> AdvisorySource:
    from gatekeeper.advisories import open_source

    db = _resolve(root, policy.audit.db) if policy.audit.db else None
    return open_source(db, policy.audit.osv_url)
