"""What pip would install now for requirements that are not pinned: pip's resolver, a dry run.

The audit cannot know what an unpinned requirement installs. With ``audit.resolve`` it asks the
resolver pip itself uses, the way pip-audit resolves requirements (``pip install --dry-run
--report``), with three differences:

- it runs in the interpreter running gatekeeper with ``--ignore-installed``, instead of a fresh
  virtualenv whose ``pip install --upgrade pip wheel setuptools`` goes to PyPI whatever index
  is configured, so it works offline against the internal index and saves seconds per run;
- only wheels are accepted (``--only-binary :all:``): resolving must never run a downloaded
  package's build code;
- prod and dev are resolved separately, so a package only dev requirements pull in stays dev.

The index is ``audit.index_url`` when set, and then that index alone (``--isolated``: no extra
index, find-links or constraints from ``pip.conf`` or ``PIP_*`` variables, which would reopen
the door to dependency confusion); else pip's own configuration. Environment markers are
evaluated by pip for this interpreter.
"""

from __future__ import annotations

import subprocess  # nosec B404  # pip runs with a fixed argument list, never through a shell
import sys
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from gatekeeper.deps.interface import DEV, PROD, RESOLVED, Dependency, Scope
from gatekeeper.errors import BackendUnavailable, InputError, LockfileError
from gatekeeper.json_input import load_json
from gatekeeper.model import Location

#: pip's messages when the index could not be reached, rather than a requirement being wrong.
_UNREACHABLE = ("NewConnectionError", "Max retries exceeded", "ConnectTimeout", "ReadTimeout")


def requirement_text(dep: Dependency) -> str:
    """``dep`` as a PEP 508 requirement string for pip."""
    extras = f"[{','.join(dep.extras)}]" if dep.extras else ""
    marker = f" ; {dep.marker}" if dep.marker else ""
    return f"{dep.raw_name or dep.name}{extras}{dep.specifier}{marker}"


def pip_command(requirements: Sequence[str], index_url: str | None) -> list[str]:
    argv = [sys.executable, "-m", "pip", "install", "--dry-run", "--ignore-installed"]
    argv += ["--report", "-", "--quiet", "--no-input", "--disable-pip-version-check"]
    argv += ["--only-binary", ":all:", "--retries", "1", "--timeout", "15"]
    if index_url:  # that index alone: no extra index, find-links or constraint from pip.conf
        argv += ["--isolated", "--index-url", index_url]
    return [*argv, *requirements]


def _failure(stderr: str, where: Location) -> Exception:
    errors = [line for line in stderr.splitlines() if line.startswith("ERROR:")]
    reason = errors[-1].removeprefix("ERROR:").strip() if errors else stderr.strip()[-300:]
    if any(marker in stderr for marker in _UNREACHABLE):
        return BackendUnavailable(
            f"resolving unpinned requirements: the package index is unreachable ({reason})",
            hint="check audit.index_url or pip's index configuration, or pin the requirements",
        )
    return LockfileError(
        f"pip cannot resolve the unpinned requirements: {reason}",
        path=where.path,
        hint="pin them (==) or use a lockfile; only wheels are considered",
    )


def pip_resolve(
    requirements: Sequence[str], index_url: str | None, where: Location
) -> dict[str, str]:
    """Normalized name → version pip would install for ``requirements``."""
    proc = subprocess.run(  # noqa: S603  # nosec B603  # fixed argv, no shell
        pip_command(requirements, index_url),
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        raise _failure(proc.stderr, where)
    try:
        report: Any = load_json(proc.stdout, source="pip's installation report")
        return {
            Dependency.normalize(item["metadata"]["name"]): str(item["metadata"]["version"])
            for item in report["install"]
        }
    except (InputError, KeyError, TypeError):
        raise _failure("ERROR: pip printed no installation report", where) from None


def _scope_deps(
    declared: Sequence[Dependency], scope: Scope, index_url: str | None, skip: set[str]
) -> list[Dependency]:
    """``declared`` (one scope) with each unpinned requirement's version filled in, followed by
    the packages they pull in that no requirement names (and that ``skip`` does not hold)."""
    mine = [d for d in declared if d.scope == scope and d.url is None]
    if not any(not d.pinned for d in mine):
        return []
    versions = pip_resolve([requirement_text(d) for d in mine], index_url, mine[0].location)
    # A requirement keeps its own source (it is still an unpinned requirement of that file);
    # the packages it pulls in are "resolved".
    out = [
        replace(d, version=versions[d.name]) for d in mine if not d.pinned and d.name in versions
    ]
    named = {d.name for d in mine} | skip
    where = Location(mine[0].location.path)
    out += [
        Dependency(
            name=name,
            version=version,
            specifier="",
            pinned=False,
            scope=scope,
            location=where,
            source=RESOLVED,
            raw_name=name,
        )
        for name, version in sorted(versions.items())
        if name not in named
    ]
    return out


def resolve(deps: Sequence[Dependency], index_url: str | None) -> list[Dependency]:
    """``deps`` with every unpinned requirement replaced by what pip would install now, plus the
    packages pulled in through them. Pinned and URL dependencies are kept as they are."""
    prod = _scope_deps(deps, PROD, index_url, set())
    dev = _scope_deps(deps, DEV, index_url, {d.name for d in prod})
    resolved = {(d.name, d.scope) for d in prod + dev}
    kept = [d for d in deps if d.pinned or d.url is not None or (d.name, d.scope) not in resolved]
    return kept + prod + dev
