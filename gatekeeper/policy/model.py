"""The policy: one frozen dataclass per section, with the defaults of ``policies/default.toml``.

These classes only carry a policy; :mod:`gatekeeper.policy.validate` builds them from TOML and
checks every constraint named in the comments below.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Literal

from gatekeeper.model import Severity

KeyType = Literal["ec", "rsa", "ed25519"]
KEY_TYPES: tuple[KeyType, ...] = ("ec", "rsa", "ed25519")
Backend = Literal["auto", "local", "vault"]
BACKENDS: tuple[Backend, ...] = ("auto", "local", "vault")

#: The PEP 508 environment marker variables a target environment may set.
MARKER_NAMES = frozenset(
    {
        "implementation_name",
        "implementation_version",
        "os_name",
        "platform_machine",
        "platform_python_implementation",
        "platform_release",
        "platform_system",
        "platform_version",
        "python_full_version",
        "python_version",
        "sys_platform",
    }
)


@dataclass(frozen=True, slots=True, kw_only=True)
class InternalPolicy:
    """``[internal]``: what counts as an internal package and where it is served."""

    #: Distribution name prefixes that are ours (PEP 503 normalized on comparison).
    prefixes: list[str] = field(default_factory=lambda: ["corp-"])
    #: The internal package index (devpi) simple URL, if any.
    index_url: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class RegistryPolicy:
    """``[registry]``: the devpi layout ``gatekeeper registry init`` creates and ``check`` lints."""

    #: The organisation's devpi user (letters, digits, ``.``, ``_``, ``-``): it owns
    #: ``ORG/staging`` (volatile, where candidates land) and ``ORG/prod`` (the release index).
    org: str = "corp"
    #: The only user allowed to upload to both indexes; unset: the user ``DEVPI_USER`` names.
    publisher: str | None = None
    #: Bases of ``ORG/prod`` (``user/index``), e.g. ``["root/pypi"]``; its mirror whitelist
    #: stays empty, so a public package never shadows an internal name.
    prod_bases: list[str] = field(default_factory=list)
    #: Indexes (``user/index``) that ``registry check`` treats as release indexes, in addition
    #: to ``ORG/prod``.
    release_indexes: list[str] = field(default_factory=list)
    #: Seconds per devpi request (> 0); each operation is retried within its own deadline.
    timeout_s: float = 30.0


@dataclass(frozen=True, slots=True, kw_only=True)
class GateSection:
    """Keys every gate section has."""

    enabled: bool = True
    #: Findings at or above this severity fail the gate; below it they are reported only.
    fail_on: Severity = Severity.LOW
    #: Whether findings in dev-only scope (``data.scope == "dev"``) can fail the gate.
    fail_on_dev: bool = True
    #: A counted baseline of accepted findings (:mod:`gatekeeper.baseline`), relative to the
    #: repository; unset: none.
    baseline: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class CoveragePolicy(GateSection):
    """``[coverage]``: the coverage gate."""

    #: Required line coverage in percent (0 to 100). There are only two numbers: 100 and
    #: everything else.
    lines: float = 100.0
    #: Required branch coverage in percent (0 to 100).
    branches: float = 100.0
    #: Test command (not empty) run under coverage.py when no ``data`` file is given: an argv
    #: list, never a shell. ``python`` means the project's interpreter (an active
    #: VIRTUAL_ENV, then ``.venv/``, then ``python`` on PATH).
    command: list[str] = field(default_factory=lambda: ["python", "-m", "pytest", "-q"])
    #: Read existing coverage data (not empty) instead of running tests: .coverage,
    #: coverage.json or .xml.
    data: str | None = None
    #: Source directories whose every .py file must be measured, imported or not.
    source: list[str] = field(default_factory=list)
    #: Deadline for the test command in seconds (> 0): at the deadline its whole process group
    #: is killed and the gate errors.
    timeout_s: float = 1800.0


@dataclass(frozen=True, slots=True, kw_only=True)
class AuditPolicy(GateSection):
    """``[audit]``: the dependency audit gate."""

    fail_on: Severity = Severity.HIGH
    #: Severity assumed when an advisory carries none: fail closed.
    unknown_severity: Severity = Severity.HIGH
    #: Whether findings in dev dependencies fail the gate (they are always reported).
    fail_on_dev: bool = False
    #: Warn when the advisory database is older than this many days (>= 0).
    max_age_days: int = 2
    #: Fail when it is older than this many days (>= 0).
    hard_max_age_days: int = 14
    #: Local advisory database directory (default: the user cache directory).
    db: str | None = None
    #: Online mode: query this OSV API (e.g. https://api.osv.dev/v1/query) instead of ``db``.
    osv_url: str | None = None
    #: Requirements and lock files to audit; empty means discover them.
    files: list[str] = field(default_factory=list)
    #: An installed environment (a virtualenv's root) to audit instead of discovered files.
    env: str | None = None
    #: An application must pin every requirement (an unpinned one is a high finding); a
    #: library's ranges are reported as info.
    application: bool = True
    #: A simple-API index (PEP 691/503) every public dependency must exist on; unset: unchecked.
    index_url: str | None = None
    #: PEP 508 marker variables (:data:`MARKER_NAMES`) of the target environment where they
    #: differ from the interpreter running gatekeeper (e.g. ``{sys_platform = "linux"}``). A
    #: dependency whose marker is false there is not installed, so it is not audited.
    environment: dict[str, str] = field(default_factory=dict)
    #: Resolve unpinned requirements with pip's resolver (a dry run, wheels only, against
    #: ``index_url`` or pip's configured index) and audit what they would install today,
    #: dependencies included. They stay unpinned findings; this needs the index.
    resolve: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class ConfigPolicy(GateSection):
    """``[config]``: validation of each service's configuration."""

    #: Service directories (relative to the root) whose settings are validated.
    services: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True, kw_only=True)
class CertsCA:
    """The CA hierarchy `gatekeeper certs init` creates (both backends)."""

    root_common_name: str = "Gatekeeper Internal Root CA"
    intermediate_common_name: str = "Gatekeeper Internal Issuing CA"
    organization: str = "Gatekeeper"
    #: Durations (:func:`gatekeeper.duration.parse_duration`).
    root_ttl: str = "3650d"
    intermediate_ttl: str = "1825d"
    #: Vault only: the base URL clients reach Vault at, for the issuing-certificate and CRL URLs
    #: written into certificates. Empty: the VAULT_ADDR in use.
    url_base: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class CertsRole:
    """What a certificate issued under this role may contain (a Vault PKI role)."""

    #: Domains names may be in (lower case, no wildcard, no trailing dot): subdomains need
    #: allow_subdomains, the domain itself allow_bare_domains.
    allowed_domains: list[str] = field(default_factory=lambda: ["internal"])
    allow_subdomains: bool = True
    allow_bare_domains: bool = False
    #: Allow the name "localhost".
    allow_localhost: bool = True
    #: Allow IP address SANs.
    allow_ip_sans: bool = True
    #: Allow wildcard names such as "*.api.internal".
    allow_wildcard: bool = False
    #: Key types a certificate may use (at least one); the first is the default.
    key_types: list[KeyType] = field(default_factory=lambda: list(KEY_TYPES))
    #: Longest lifetime a request may ask for, and the lifetime when it asks for none
    #: (durations; default_ttl <= max_ttl).
    max_ttl: str = "397d"
    default_ttl: str = "90d"
    #: Do not store issued certificates in the CA (short-lived ones; no revoking by serial).
    no_store: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class CertsService:
    """One service `gatekeeper certs issue --all` issues a certificate for."""

    #: Lowercase letters, digits, '-' and '_'; unique within ``certs.services``.
    name: str
    #: DNS names; empty means "<name>.<first allowed domain of the role>".
    sans: list[str] = field(default_factory=list)
    #: IP address SANs, normalized (``"::0001"`` is ``"::1"``).
    ips: list[str] = field(default_factory=list)
    #: The role it is issued under (one of ``certs.roles``); unset: "service", else the first.
    role: str | None = None
    key_type: KeyType | None = None
    #: A duration; unset: the role's default_ttl.
    ttl: str | None = None


def _default_roles() -> dict[str, CertsRole]:
    return {"service": CertsRole()}


@dataclass(frozen=True, slots=True, kw_only=True)
class CertsPolicy(GateSection):
    """``[certs]``: the internal CA, issuance policy, and the certificate expiry gate."""

    #: Expiring certificates warn (medium) and fail (high): only the latter blocks by default.
    fail_on: Severity = Severity.HIGH
    #: Where certificates are written: a relative path inside the repository.
    dir: str = "certs"
    #: Warn when a certificate has fewer days left than this (>= 0).
    warn_days: int = 30
    #: Fail when it has fewer days left than this (>= 0).
    fail_days: int = 7
    #: "auto": Vault/OpenBao when VAULT_ADDR is set, else the local CA.
    backend: Backend = "auto"
    #: Renew when less than this fraction of the lifetime is left (0 < x < 1).
    renew_fraction: float = 1 / 3
    #: Randomize the renewal point by up to this fraction of the window (0 <= x < 1), so fleets
    #: spread out.
    renew_jitter: float = 0.1
    ca: CertsCA = field(default_factory=CertsCA)
    #: At least one; names like service names.
    roles: dict[str, CertsRole] = field(default_factory=_default_roles)
    services: list[CertsService] = field(default_factory=list)


@dataclass(frozen=True, slots=True, kw_only=True)
class RuntimePolicy(GateSection):
    """``[runtime]``: the Python runtime's support generation."""

    #: Naughty runtimes (end of life, pre-release in production) fail; maintenance ones (low)
    #: and disagreeing sources (medium) are reported.
    fail_on: Severity = Severity.HIGH
    #: Make a runtime in maintenance (security fixes only) fail too.
    fail_on_maintenance: bool = False


#: Names of packages known to be malicious (typosquats taken down from PyPI, 2017-2024).
KNOWN_MALICIOUS = (
    "acqusition",
    "colourama",
    "django-server",
    "jeilyfish",
    "python3-dateutil",
    "setup-tools",
    "urlib3",
)


@dataclass(frozen=True, slots=True, kw_only=True)
class SupplyChainPolicy(GateSection):
    """``[supply_chain]``: typosquats, malicious names, pinning, dependency confusion, budget."""

    #: Medium (the dependency budget) and above fail.
    fail_on: Severity = Severity.MEDIUM
    #: Known-malicious package names (PEP 503 normalised on comparison): a critical finding.
    denylist: list[str] = field(default_factory=lambda: list(KNOWN_MALICIOUS))
    #: Names accepted although they resemble a popular package (PEP 503 normalised).
    allow: list[str] = field(default_factory=list)
    #: How many of the most-downloaded PyPI names a dependency is compared with (1 to 15000).
    popular: int = 5000
    #: For applications (``audit.application``): every requirements line needs ``--hash``.
    require_hashes: bool = False
    #: The public index where an internal name must not exist (a simple-API URL); unset:
    #: ``audit.index_url``, else PyPI.
    public_index_url: str | None = None
    #: The most direct dependencies allowed (>= 0); unset: unlimited.
    max_dependencies: int | None = None
    #: The most transitive dependencies a lockfile may add (>= 0); unset: unlimited.
    max_transitive: int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Threshold:
    """A point on bandit's severity × confidence grid: a finding reaches it when both its
    severity and its confidence are at least these (low, medium or high)."""

    severity: Severity = Severity.LOW
    confidence: Severity = Severity.LOW


@dataclass(frozen=True, slots=True, kw_only=True)
class SastPolicy(GateSection):
    """``[sast]``: static analysis of the repository's Python code with bandit's tests.

    Below ``report_at`` a finding is not reported, from it up to ``fail_at`` it is reported as
    info, at or above it it keeps bandit's severity and fails (when at least ``fail_on``, which
    stays ``low`` so that ``fail_at`` decides).
    """

    #: Only these bandit test IDs run (``B602``); empty: every test (or ``[tool.bandit] tests``).
    include: list[str] = field(default_factory=list)
    #: These bandit test IDs never run (added to ``[tool.bandit] skips``).
    exclude: list[str] = field(default_factory=list)
    #: Globs of paths (relative to the root) not analysed, besides ``[tool.bandit] exclude_dirs``.
    exclude_paths: list[str] = field(default_factory=list)
    report_at: Threshold = field(default_factory=Threshold)
    fail_at: Threshold = field(
        default_factory=lambda: Threshold(severity=Severity.MEDIUM, confidence=Severity.MEDIUM)
    )
    #: A ``# nosec B602`` must give a reason after the IDs (``# nosec B602 - constant input``);
    #: without one it suppresses nothing and is a finding.
    require_reason: bool = True
    #: Worker processes (>= 0); 0: one per CPU.
    jobs: int = 0
    #: Reuse per-file results from the cache directory (keyed by content, bandit and profile).
    cache: bool = True


@dataclass(frozen=True, slots=True, kw_only=True)
class SecretsPolicy(GateSection):
    """``[secrets]``: credentials committed to the repository (and, optionally, its history)."""

    #: A committed secret (high) fails; missing ignore rules (medium) are reported.
    fail_on: Severity = Severity.HIGH

    #: Globs (fnmatch, relative to the repository) of test fixtures whose secrets are planted.
    fixtures: list[str] = field(default_factory=list)
    #: Also scan every commit reachable from HEAD (``gatekeeper secrets --history``).
    history: bool = False
    #: At most this many commits are scanned, the newest ones (>= 1).
    history_max_commits: int = 10000
    #: Shannon entropy per character (bits) a value assigned to a secret name needs (0 to 6).
    min_entropy: float = 3.0


Persona = Literal["regular", "pedantic", "auditor"]
PERSONAS: tuple[Persona, ...] = ("regular", "pedantic", "auditor")


@dataclass(frozen=True, slots=True, kw_only=True)
class WorkflowsPolicy(GateSection):
    """``[workflows]``: GitHub Actions workflows and actions (zizmor and the org's rules)."""

    #: Owners whose actions and reusable workflows may be used (case-insensitive); local
    #: ``./`` actions are always allowed.
    allowed_owners: list[str] = field(default_factory=lambda: ["actions", "github"])
    #: Every workflow must declare top-level ``permissions:``.
    require_permissions: bool = True
    #: Every job (not a reusable-workflow call) must set ``timeout-minutes``.
    require_timeout: bool = True
    #: zizmor's persona: "regular" (few false positives), "pedantic" or "auditor".
    persona: Persona = "regular"
    #: Deadline for all of the gate's zizmor runs, in seconds (> 0): zizmor is killed then.
    timeout_s: float = 120.0


#: Paths a published package must not hold (see :class:`PublishPolicy`): tests, env files,
#: keys and credentials files, VCS and CI files.
FORBIDDEN_PATHS = (
    "tests",
    "test",
    "conftest.py",
    ".env",
    ".env.*",
    "*.env",
    "*.pem",
    "*.key",
    "*.p12",
    "*.pfx",
    "id_rsa",
    "id_ecdsa",
    "id_ed25519",
    ".pypirc",
    ".netrc",
    ".git",
    ".hg",
    ".svn",
    ".github",
    ".gitlab",
    ".gitlab-ci.yml",
    ".circleci",
    ".travis.yml",
    "Jenkinsfile",
    "azure-pipelines.yml",
)


@dataclass(frozen=True, slots=True, kw_only=True)
class PublishPolicy:
    """``[publish]``: what a package must be before ``gatekeeper publish`` uploads it."""

    #: Findings of the vetting at or above this severity stop the publication.
    fail_on: Severity = Severity.LOW
    #: The largest file an sdist or wheel may hold, in bytes (>= 1).
    max_file_bytes: int = 2 << 20
    #: Paths the artifacts must not hold (fnmatch). A pattern without ``/`` matches any path
    #: component (``tests`` matches ``pkg/tests/test_x.py``); one with ``/`` the whole path.
    forbidden: list[str] = field(default_factory=lambda: list(FORBIDDEN_PATHS))
    #: Gates the package's source must pass, run through the runner (names of gates).
    gates: list[str] = field(default_factory=lambda: ["coverage", "audit", "sast"])


@dataclass(frozen=True, slots=True, kw_only=True)
class Waiver:
    """An accepted risk. The reason and expiry are mandatory; an expired waiver fails the run."""

    #: An advisory ID or any alias (PYSEC-…, GHSA-…, CVE-…), or a rule ID (GK-COV-001, B602).
    id: str
    #: The date after which the waiver stops applying and fails the run instead.
    expires: dt.date
    #: Why this is acceptable. An empty reason is a failing finding of its own.
    reason: str = ""
    #: Optional glob: the waiver only covers findings in matching files.
    path: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Policy:
    """The policy: one validated object, built once per run."""

    #: The policy format's version: 1.
    version: int = 1
    internal: InternalPolicy = field(default_factory=InternalPolicy)
    coverage: CoveragePolicy = field(default_factory=CoveragePolicy)
    audit: AuditPolicy = field(default_factory=AuditPolicy)
    config: ConfigPolicy = field(default_factory=ConfigPolicy)
    certs: CertsPolicy = field(default_factory=CertsPolicy)
    runtime: RuntimePolicy = field(default_factory=RuntimePolicy)
    workflows: WorkflowsPolicy = field(default_factory=WorkflowsPolicy)
    supply_chain: SupplyChainPolicy = field(default_factory=SupplyChainPolicy)
    sast: SastPolicy = field(default_factory=SastPolicy)
    secrets: SecretsPolicy = field(default_factory=SecretsPolicy)
    registry: RegistryPolicy = field(default_factory=RegistryPolicy)
    publish: PublishPolicy = field(default_factory=PublishPolicy)
    waiver: list[Waiver] = field(default_factory=list)
