"""Directory listings for assertions: the shared chain files are checked on their own."""

from __future__ import annotations

from pathlib import Path

from gatekeeper.pki.store import SHARED_CHAIN


def listing(path: Path) -> list[str]:
    """Sorted names in ``path`` except the shared ``.chain-*.pem`` files."""
    return sorted(p.name for p in path.iterdir() if not p.name.startswith(SHARED_CHAIN))


def shared_chains(path: Path) -> list[str]:
    return sorted(p.name for p in path.iterdir() if p.name.startswith(SHARED_CHAIN))
