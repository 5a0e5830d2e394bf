"""``gatekeeper registry check``: the rules an existing devpi's indexes are linted against.

Findings are made here and judged by the runner like any gate's (waivers, thresholds); the
location of each is the index's URL.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from gatekeeper.model import Finding, Location, Rule, Severity
from gatekeeper.registry.bootstrap import prod_index

if TYPE_CHECKING:
    from gatekeeper.policy.model import Policy
    from gatekeeper.registry.devpi import IndexConfig

ANONYMOUS = ":ANONYMOUS:"

RELEASE_VOLATILE = Rule(
    "GK-REG-001",
    "Volatile release index",
    Severity.HIGH,
    cwe=284,
    description="A release index with volatile=True: a published version can be overwritten "
    "or deleted, so what services installed yesterday may change under them.",
)
WHITELIST_ALL = Rule(
    "GK-REG-002",
    "Mirror whitelist * under a mirror",
    Severity.HIGH,
    cwe=427,
    description="mirror_whitelist = * on an index inheriting from a mirror: a public package "
    "of the same name and a higher version shadows an internal one (dependency confusion).",
)
WHITELIST_INTERNAL = Rule(
    "GK-REG-003",
    "Internal name whitelisted from a mirror",
    Severity.HIGH,
    cwe=427,
    description="mirror_whitelist names an internal package (internal.prefixes) on an index "
    "inheriting from a mirror: the public index may serve that name.",
)
ANONYMOUS_UPLOAD = Rule(
    "GK-REG-004",
    "Anonymous upload",
    Severity.CRITICAL,
    cwe=862,
    description="acl_upload contains :ANONYMOUS:: anyone who reaches devpi can publish.",
)
ANONYMOUS_PROVENANCE = Rule(
    "GK-REG-005",
    "Anonymous toxresult upload on a release index",
    Severity.MEDIUM,
    cwe=345,
    description="acl_toxresult_upload contains :ANONYMOUS: (devpi's default) on a release "
    "index: anyone can attach a forged provenance record to a release.",
)
RELEASE_MISSING = Rule(
    "GK-REG-006",
    "Release index missing",
    Severity.HIGH,
    description="A release index the policy names does not exist on the server: run "
    "`gatekeeper registry init`, or fix registry.org / registry.release_indexes.",
)
RULES: tuple[Rule, ...] = (
    RELEASE_VOLATILE,
    WHITELIST_ALL,
    WHITELIST_INTERNAL,
    ANONYMOUS_UPLOAD,
    ANONYMOUS_PROVENANCE,
    RELEASE_MISSING,
)


def release_indexes(policy: Policy, org: str | None = None) -> list[str]:
    """``ORG/prod`` and ``registry.release_indexes``, without duplicates."""
    names = [prod_index(org or policy.registry.org), *policy.registry.release_indexes]
    return list(dict.fromkeys(names))


def inherits_mirror(name: str, indexes: Mapping[str, IndexConfig]) -> str | None:
    """The first mirror among ``name``'s bases, transitively (cycles are cut); None if none."""
    seen: set[str] = set()
    pending = list(indexes[name].bases) if name in indexes else []
    while pending:
        base = pending.pop(0)
        if base in seen or base not in indexes:
            continue
        seen.add(base)
        if indexes[base].is_mirror:
            return base
        pending += indexes[base].bases
    return None


def _internal(project: str, prefixes: list[str]) -> bool:
    from packaging.utils import canonicalize_name

    name = canonicalize_name(project)
    return any(name.startswith(canonicalize_name(p)) for p in prefixes if p.strip())


def lint(
    indexes: Mapping[str, IndexConfig], policy: Policy, url: str, *, org: str | None = None
) -> list[Finding]:
    """Every finding about ``indexes`` (all of a server's, by ``user/index``) served at
    ``url`` (already redacted)."""
    release = release_indexes(policy, org)

    def at(name: str) -> Location:
        return Location(f"{url.rstrip('/')}/{name}")

    findings = [
        RELEASE_MISSING.finding(f"release index {name} does not exist", name, location=at(name))
        for name in release
        if name not in indexes
    ]
    for name, config in indexes.items():
        if config.is_mirror:
            continue
        if name in release and config.volatile:
            findings.append(
                RELEASE_VOLATILE.finding(
                    f"release index {name} is volatile: published versions can be "
                    "overwritten or deleted; set volatile=False",
                    name,
                    location=at(name),
                )
            )
        if name in release and ANONYMOUS in config.acl_toxresult_upload:
            findings.append(
                ANONYMOUS_PROVENANCE.finding(
                    f"{name}: acl_toxresult_upload allows {ANONYMOUS}: anyone can attach "
                    "provenance records; restrict it to the publisher",
                    name,
                    location=at(name),
                )
            )
        if ANONYMOUS in config.acl_upload:
            findings.append(
                ANONYMOUS_UPLOAD.finding(
                    f"{name}: acl_upload allows {ANONYMOUS}: anyone can publish here",
                    name,
                    location=at(name),
                )
            )
        mirror = inherits_mirror(name, indexes)
        if mirror is None:
            continue
        if "*" in config.mirror_whitelist:
            findings.append(
                WHITELIST_ALL.finding(
                    f"{name}: mirror_whitelist = * while inheriting from mirror {mirror}: "
                    "a public package can shadow an internal name; empty the whitelist",
                    name,
                    location=at(name),
                )
            )
        findings += [
            WHITELIST_INTERNAL.finding(
                f"{name}: mirror_whitelist lets mirror {mirror} serve internal package {project}",
                name,
                project,
                location=at(name),
            )
            for project in config.mirror_whitelist
            if project != "*" and _internal(project, policy.internal.prefixes)
        ]
    return findings
