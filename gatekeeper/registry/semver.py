"""SemVer discipline: the public API of a new release against the previous one, with griffe.

Both sides are read from directories (the new release's unpacked wheel or sdist, the previous
release's unpacked artifact), statically: griffe parses the source and never imports it
(``allow_inspection=False``), so a hostile package runs no code here. griffe also asks ``git``
about the files it loads (for source links); git run inside an unpacked archive would read that
archive's ``.git/config``, which can name commands to run (``core.fsmonitor``). So only the
package's ``.py`` and ``.pyi`` files are copied into a new temporary directory, and griffe
loads that copy. ``griffe``'s
:func:`find_breaking_changes` lists what breaks callers: a removed public object or parameter,
a parameter added as required, moved, or made keyword-only, a changed default, attribute value
or return type, a removed base class. Each is a finding: blocking (high) unless the version is
a major bump (``1.x`` to ``2.0``), or under ``0.x`` a minor bump (``0.3`` to ``0.4``), in which
case it is info, for the changelog.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from packaging.version import Version

from gatekeeper.model import Finding, Location, Rule, Severity

if TYPE_CHECKING:
    import griffe

BREAKING = Rule(
    "GK-PUB-030",
    "Breaking API change without a major version",
    Severity.HIGH,
    description="griffe finds a removed or changed public name (object, parameter, default, "
    "return type, base class) against the previous release, and the version is not a major "
    "bump (a minor one under 0.x).",
)
BREAKING_MAJOR = Rule(
    "GK-PUB-031",
    "Breaking API change in a major version",
    Severity.INFO,
    description="A breaking change that the major bump (a minor one under 0.x) announces: "
    "list it in the changelog.",
)
UNCOMPARABLE = Rule(
    "GK-PUB-032",
    "Public API cannot be compared",
    Severity.HIGH,
    description="The package was not found in one of the two releases, or griffe cannot "
    "load it, so breaking changes cannot be ruled out.",
)
RULES: tuple[Rule, ...] = (BREAKING, BREAKING_MAJOR, UNCOMPARABLE)


def is_major_bump(old: Version, new: Version) -> bool:
    """Whether ``new`` may break ``old``'s API: a higher major, or under 0.x a higher minor."""
    if new.major != old.major:
        return new.major > old.major
    return new.major == 0 and new.minor > old.minor


def package_dir(root: Path, package: str) -> Path | None:
    """The directory holding the import package ``package`` below ``root``: ``root`` itself
    (a wheel) or ``root/src`` (an sdist's src layout); a module file counts too."""
    for base in (root, root / "src"):
        if (base / package).is_dir() or (base / f"{package}.py").is_file():
            return base
    return None


def _copy_sources(base: Path, package: str, dest: Path) -> None:
    """The regular ``.py``/``.pyi`` files of ``package`` below ``base``, copied to ``dest``."""
    import os
    import shutil

    single = base / f"{package}.py"
    if not (base / package).is_dir():
        shutil.copyfile(single, dest / single.name)
        return
    for dirpath, dirnames, filenames in os.walk(base / package):
        dirnames[:] = [d for d in dirnames if not d.startswith(".")]
        relative = Path(dirpath).relative_to(base)
        for name in filenames:
            source = Path(dirpath) / name
            if source.suffix in (".py", ".pyi") and not source.is_symlink() and source.is_file():
                (dest / relative).mkdir(parents=True, exist_ok=True)
                shutil.copyfile(source, dest / relative / name)


def _load(root: Path, package: str, work: Path) -> griffe.Object | griffe.Alias:
    import logging

    import griffe

    # griffe logs a load failure with its traceback; the failure is a finding instead.
    logging.getLogger("griffe").setLevel(logging.CRITICAL + 1)

    base = package_dir(root, package)
    if base is None:
        raise LookupError(f"no package {package!r} in {root.name}")
    work.mkdir()
    _copy_sources(base, package, work)
    return griffe.load(
        package,
        search_paths=[work],
        try_relative_path=False,
        allow_inspection=False,
        resolve_aliases=False,
        store_source=False,
    )


def _shown(value: object) -> str:
    """A changed value as a finding shows it: a parameter by its name, others as text."""
    import griffe

    if value is None:
        return "nothing"
    if isinstance(value, griffe.Parameter):
        text = value.name if value.default is None else f"{value.name}={value.default}"
    elif isinstance(value, list | tuple):  # base classes
        text = ", ".join(str(item) for item in value) or "none"
    else:  # an attribute's value or type, a return type
        text = str(value)
    return text if len(text) <= 80 else text[:77] + "..."


def api_changes(
    old_root: Path,
    new_root: Path,
    package: str,
    *,
    old_version: str,
    new_version: str,
    ignore: Sequence[str] = (),
) -> list[Finding]:
    """The breaking changes of ``package`` from ``old_root`` (release ``old_version``) to
    ``new_root`` (``new_version``), judged by the version bump. ``ignore`` are object paths
    (``pkg.mod.name``) accepted as changed."""
    import tempfile

    import griffe

    where = Location(f"{package} {old_version} -> {new_version}")
    with tempfile.TemporaryDirectory(prefix="gatekeeper-api-") as temp:
        try:
            old = _load(old_root, package, Path(temp) / "old")
            new = _load(new_root, package, Path(temp) / "new")
        except (LookupError, OSError, SyntaxError, ValueError, griffe.GriffeError) as exc:
            return [
                UNCOMPARABLE.finding(
                    f"{package} {old_version} -> {new_version}: the public API cannot be "
                    f"compared: {exc}",
                    package,
                    location=where,
                )
            ]
        breakages = list(griffe.find_breaking_changes(old, new))
    major = is_major_bump(Version(old_version), Version(new_version))
    rule = BREAKING_MAJOR if major else BREAKING
    advice = (
        "announced by the major version: list it in the changelog"
        if major
        else "keep the old name working, or publish a major version"
    )
    found = []
    for breakage in breakages:
        path = breakage.obj.path
        if path in ignore:
            continue
        kind = breakage.kind.value
        change = ""
        if breakage.kind is not griffe.BreakageKind.OBJECT_REMOVED:
            change = f" ({_shown(breakage.old_value)} -> {_shown(breakage.new_value)})"
        found.append(
            rule.finding(
                f"{path}: {kind}{change} from {old_version} to {new_version}: {advice}",
                package,
                path,
                kind,
                _shown(breakage.old_value),
                location=where,
                data={
                    "object": path,
                    "kind": kind,
                    "old_version": old_version,
                    "new_version": new_version,
                },
            )
        )
    return found
