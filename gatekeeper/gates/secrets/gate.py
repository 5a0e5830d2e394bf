"""The ``secrets`` gate: credentials committed to the repository.

Rules: the constants below. Only git-tracked files are read (``git ls-files``), each with
:func:`gatekeeper.fsutil.read_bounded`; binary, huge and outside-the-repository symlinked files
are skipped and counted in one note per reason. Findings show where and a masked preview
(:func:`~.detect.mask`), never the secret; fingerprints hold the rule, the path and a hash of the
secret, so they survive line moves and a baseline of them holds no secret.
"""

from __future__ import annotations

import fnmatch
import hashlib
import posixpath
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, ClassVar

from gatekeeper.baseline import Counts
from gatekeeper.fsutil import MAX_FILE_BYTES
from gatekeeper.gates.interface import Gate, GateContext
from gatekeeper.gates.secrets.detect import Hit, Kind, mask, scan
from gatekeeper.model import Finding, GateResult, Location, Rule, Severity
from gatekeeper.skips import Skips, read_file, unless_binary

if TYPE_CHECKING:
    from pathlib import Path

    from gatekeeper.gates.secrets.history import Introduced
    from gatekeeper.git import GitRepo
    from gatekeeper.policy.model import SecretsPolicy

PRIVATE_KEY = Rule(
    "GK-SEC-001",
    "Private key committed",
    Severity.CRITICAL,
    cwe=321,
    description="A PEM or OpenSSH private key block in a tracked file: treat the key as "
    "compromised, revoke it and replace it.",
)
URL_CREDENTIALS = Rule(
    "GK-SEC-002",
    "Credentials in a URL",
    Severity.HIGH,
    cwe=798,
    description="A URL with an inline password (`redis://user:password@host`, placeholders "
    "aside): rotate the password and read the URL from the environment or a secret store.",
)
TOKEN = Rule(
    "GK-SEC-003",
    "Well-known token committed",
    Severity.CRITICAL,
    cwe=798,
    description="An AWS access key ID, a GitHub token (checksum validated offline), a Slack, "
    "Stripe, Google, npm or PyPI token: revoke it at its issuer.",
)
ASSIGNED = Rule(
    "GK-SEC-004",
    "High-entropy value assigned to a secret name",
    Severity.HIGH,
    cwe=798,
    description="A random-looking value (Shannon entropy at least `secrets.min_entropy`) "
    "assigned to a name such as password, secret, token or api_key; placeholders, references, "
    "UUIDs and password hashes are not.",
)
ENV_FILE = Rule(
    "GK-SEC-005",
    "Environment file tracked by git",
    Severity.HIGH,
    cwe=538,
    description="A `*.env` or `.env*` file is tracked (templates such as `.env.example` "
    "are not): environment files hold secrets; untrack it and ignore it.",
)
NOT_IGNORED = Rule(
    "GK-SEC-006",
    ".gitignore does not ignore secret files",
    Severity.MEDIUM,
    cwe=538,
    description="The repository's ignore rules do not ignore `certs/**/*.key`, `*.pem` private "
    "keys or env files (`.env`, `*.env`), so the next `git add .` commits them.",
)
SKIPPED = Rule(
    "GK-SEC-007",
    "Files not scanned for secrets",
    Severity.INFO,
    description="Tracked files skipped, counted per reason: binary, larger than the read "
    "limit, or a symlink out of the repository; and files scanned though not UTF-8.",
)
RULES: tuple[Rule, ...] = (
    PRIVATE_KEY,
    URL_CREDENTIALS,
    TOKEN,
    ASSIGNED,
    ENV_FILE,
    NOT_IGNORED,
    SKIPPED,
)
_RULE_OF: dict[Kind, Rule] = {
    "private_key": PRIVATE_KEY,
    "url_credentials": URL_CREDENTIALS,
    "token": TOKEN,
    "assignment": ASSIGNED,
}
#: Paths the ignore rules must ignore, and what each stands for.
MUST_IGNORE = {
    "certs/service/tls.key": "certs/**/*.key",
    "service-key.pem": "*.pem private keys",
    ".env": ".env",
    "production.env": "*.env",
}
_TEMPLATES = ("example", "sample", "template", "dist", "default", "defaults")


def secret_hash(secret: str) -> str:
    """What identifies a secret in fingerprints and baselines: a hash, never the value."""
    return hashlib.sha256(secret.encode(errors="surrogateescape")).hexdigest()


def is_env_file(path: str) -> bool:
    """``*.env`` and ``.env*`` files, except templates (``.env.example``, ``env.sample``)."""
    name = posixpath.basename(path).lower()
    if not (name.endswith(".env") or name.startswith(".env")):
        return False
    parts = set(name.split("."))
    return not parts.intersection(_TEMPLATES)


def finding(hit: Hit, path: str, commit: str | None = None, *, in_tree: bool = True) -> Finding:
    """The finding for ``hit`` in ``path`` (first added by ``commit`` when known; only in
    history unless ``in_tree``)."""
    rule = _RULE_OF[hit.kind]
    preview = mask(hit.secret)
    data: dict[str, object] = {"kind": hit.kind, "what": hit.what, "preview": preview}
    where = ""
    if commit is not None:
        data["commit"] = commit
        where = f", first committed in {commit[:12]}"
    if not in_tree:
        data["history_only"] = True
        where += " and deleted since, but still in history"
    return rule.finding(
        f"{hit.what} {preview} committed{where}: treat it as compromised, revoke or rotate "
        "it, then remove it (and from history)",
        path,
        secret_hash(hit.secret),
        location=Location(path, hit.line, hit.column),
        data=data,
    )


def new_skips() -> Skips:
    """Where the gate counts the tracked files it did not scan (GK-SEC-007 notes)."""
    return Skips(SKIPPED, "tracked file(s)")


def is_fixture(path: str, globs: Sequence[str]) -> bool:
    return any(fnmatch.fnmatch(path, pattern) for pattern in globs)


def read_text(root: Path, path: str, skips: Skips, limit: int = MAX_FILE_BYTES) -> str | None:
    """The text of tracked file ``path``, or None (skipped and counted in ``skips``)."""
    data = read_file(root, path, skips, limit)
    return None if data is None else decode_text(data, path, skips)


def decode_text(data: bytes, path: str, skips: Skips) -> str | None:
    """``data`` (the content of ``path``) as text, or None if binary (counted in ``skips``)."""
    if unless_binary(data, path, skips) is None:
        return None
    try:
        return data.decode()
    except UnicodeDecodeError:
        skips.add("scanned though not UTF-8", path)
        return data.decode(errors="replace")


def scan_tree(
    root: Path, files: Iterable[str], policy: SecretsPolicy, skips: Skips
) -> list[tuple[str, Hit]]:
    """Secrets in the tracked ``files`` (fixtures excepted), with their paths."""
    out: list[tuple[str, Hit]] = []
    for path in files:
        if is_fixture(path, policy.fixtures):
            continue
        text = read_text(root, path, skips)
        if text is not None:
            out += [(path, hit) for hit in scan(text, policy.min_entropy)]
    return out


def secret_findings(
    hits: Sequence[tuple[str, Hit]], first: Mapping[str, Introduced] | None
) -> list[Finding]:
    """Findings for the tree's ``hits``, with the commit that introduced each when ``first``
    (history) is known, plus those history holds that the tree no longer does."""
    if first is None:
        return [finding(hit, path) for path, hit in hits]
    out = []
    for path, hit in hits:
        introduced = first.get(hit.secret)
        out.append(finding(hit, path, introduced.commit if introduced else None))
    in_tree = {hit.secret for _, hit in hits}
    out += [
        finding(i.hit, i.path, i.commit, in_tree=False)
        for secret, i in first.items()
        if secret not in in_tree
    ]
    return out


def env_files(files: Iterable[str], policy: SecretsPolicy) -> list[Finding]:
    return [
        ENV_FILE.finding(
            f"{path} is an environment file tracked by git: `git rm --cached` it, ignore it, "
            "and rotate what it held",
            path,
            location=Location(path),
        )
        for path in files
        if is_env_file(path) and not is_fixture(path, policy.fixtures)
    ]


def ignore_rules(git: GitRepo, work_tree: Path | None = None) -> list[Finding]:
    """A finding when the ignore rules (those of ``work_tree``'s ``.gitignore`` files if given)
    let a path of :data:`MUST_IGNORE` be added."""
    ignored = git.ignored(list(MUST_IGNORE), work_tree)
    missing = [pattern for path, pattern in MUST_IGNORE.items() if path not in ignored]
    if not missing:
        return []
    return [
        NOT_IGNORED.finding(
            f".gitignore does not ignore {', '.join(missing)}: add them so that keys and env "
            "files are never committed by accident",
            *missing,
            location=Location(".gitignore"),
            data={"missing": missing},
        )
    ]


class SecretsGate(Gate):
    name: ClassVar[str] = "secrets"
    description: ClassVar[str] = "credentials committed to the repository (and its history)"
    rules: ClassVar[tuple[Rule, ...]] = RULES

    def __init__(self) -> None:
        #: The last run's root, secrets and findings, for :meth:`baseline` (PR mode).
        self._last: tuple[Path, list[tuple[str, Hit]], list[Finding]] | None = None

    def run(self, ctx: GateContext) -> GateResult:
        policy = ctx.policy.secrets
        files = ctx.git.tracked_files()
        if files is None:
            return GateResult.skip("not a git repository: only committed files are scanned")
        skips = new_skips()
        hits = scan_tree(ctx.root, files, policy, skips)
        metrics: dict[str, int] = {"files": len(files)}
        first = None
        if policy.history:
            from gatekeeper.gates.secrets.history import history

            first, metrics["commits"] = history(ctx.git, policy)
        findings = [
            *secret_findings(hits, first),
            *env_files(files, policy),
            *ignore_rules(ctx.git),
            *skips.findings(),
        ]
        metrics["skipped"] = skips.total
        self._last = (ctx.root, hits, findings)
        return GateResult.ok(findings, **metrics)

    def baseline(self, ctx: GateContext) -> Counts | None:
        """PR mode: the findings at ``ctx.base_ref``, counted per fingerprint
        (:mod:`.base`: unchanged files as scanned now, changed files' base blobs)."""
        if ctx.base_ref is None:
            return None
        if self._last is None or self._last[0] != ctx.root:
            self.run(ctx)
        if self._last is None:  # not a git repository: nothing was committed at a base
            return None
        from gatekeeper.gates.secrets.base import base_counts

        _, hits, findings = self._last
        return base_counts(ctx, ctx.base_ref, hits, findings)

    def cache_inputs(self, ctx: GateContext) -> bytes | None:
        """Every file (:meth:`GitRepo.state`), detect-secrets' version (its filters decide),
        with ``history`` the commit HEAD is at, and which of :data:`MUST_IGNORE` the ignore
        rules ignore: ``info/exclude`` and ``core.excludesFile`` are no file of the tree, yet
        they decide GK-SEC-006. The cached findings hold masked previews and hashes only."""
        from importlib.metadata import version

        from gatekeeper.verdicts import repo_inputs

        head = ctx.git.resolve("HEAD") if ctx.policy.secrets.history else ""
        ignored = "\0".join(sorted(ctx.git.ignored(list(MUST_IGNORE))))
        return repo_inputs(ctx, version("detect-secrets"), head, f"ignored:{ignored}")
