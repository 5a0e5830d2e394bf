"""An installed environment (``--env PATH`` to a virtualenv), read with :mod:`importlib.metadata`
over the venv's ``site-packages``: nothing is imported from it and its interpreter is not run.
Every installed distribution is a pinned prod dependency located at its ``.dist-info``. A
distribution whose metadata cannot be read (not UTF-8, unreadable) stops the audit naming its
file: skipping it would hide whatever it installed."""

from __future__ import annotations

from importlib.metadata import distributions
from pathlib import Path

from gatekeeper.deps.interface import PROD, Dependency
from gatekeeper.errors import LockfileError
from gatekeeper.model import Location

SOURCE = "env"


def site_packages(venv: Path) -> list[Path]:
    """``lib/pythonX.Y/site-packages`` (POSIX) or ``Lib/site-packages`` (Windows)."""
    found = sorted(venv.glob("lib/python*/site-packages")) + sorted(venv.glob("Lib/site-packages"))
    if not found:
        raise LockfileError(
            "not a virtual environment: no site-packages directory found",
            path=venv,
            hint="give the venv's root directory (the one with pyvenv.cfg)",
        )
    return found


def parse_env(venv: Path) -> list[Dependency]:
    deps: dict[tuple[str, str], Dependency] = {}
    for dist in distributions(path=[str(p) for p in site_packages(venv)]):
        where = getattr(dist, "_path", None)
        location = Location(str(where) if where is not None else str(venv))
        try:
            raw = dist.metadata["Name"]
            version = dist.version
        except UnicodeDecodeError:  # importlib.metadata itself turns OS errors into no metadata
            raise LockfileError(
                "installed distribution metadata cannot be read (not UTF-8)",
                path=location.path,
                hint="reinstall the distribution or repair its METADATA file",
            ) from None
        if not raw:
            continue  # a broken .dist-info without a name: nothing to audit against
        name = Dependency.normalize(raw)
        deps.setdefault(
            (name, version),
            Dependency(
                name=name,
                version=version,
                specifier=f"=={version}",
                pinned=True,
                scope=PROD,
                location=location,
                source=SOURCE,
                raw_name=raw,
            ),
        )
    return sorted(deps.values(), key=lambda d: (d.name, d.version or ""))
