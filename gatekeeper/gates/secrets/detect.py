"""Finding secrets in text: private keys, URL credentials, well-known tokens and high-entropy
values assigned to secret-sounding names; and masking what was found.

detect-secrets scans every line with every plugin in Python, which takes about 105 s on
Django's tree here (13.5 s for its 594-file admin app): too slow to run as a library within
the benchmark. So the patterns below are compiled once and run over a whole file at a time,
each anchored on a literal (``-----BEGIN``, ``://``, ``ghp_``, ``password``) so that the
regular-expression engine skips most of the text; the candidates they produce then go through
detect-secrets' own heuristic filters (UUIDs, templates, sequences, indirect references) and
its Shannon-entropy measure, imported lazily, only when there is a candidate to judge.

Nothing here keeps a secret longer than needed: :class:`Hit` holds it for the caller to hash
and :func:`mask`, never to print.
"""

from __future__ import annotations

import functools
import re
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

Kind = Literal["private_key", "url_credentials", "token", "assignment"]

_PRIVATE_KEY = re.compile(
    r"-----BEGIN ((?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?)-----\s*"
    r"((?:[A-Za-z0-9+/=]{16,}\s+|[A-Za-z-]+: [^\n]*\n\s*)+)"
    r"-----END \1-----"
)
_URL = re.compile(r"\b([a-z][a-z0-9+.-]{1,20})://([^\s:/@'\"<>{}]+):([^\s/@'\"<>]+)@([^\s/'\"<>]+)")
#: (name, literals one of which a match contains, pattern): the whole match is the secret. A
#: pattern runs only over a text holding one of its literals (``in`` is far faster than ``re``).
_TOKENS: tuple[tuple[str, tuple[str, ...], re.Pattern[str]], ...] = tuple(
    (name, literals, re.compile(pattern))
    for name, literals, pattern in (
        (
            "AWS access key ID",
            ("AKIA", "ASIA", "ABIA", "ACCA"),
            r"\b(?:AKIA|ASIA|ABIA|ACCA)[0-9A-Z]{16}\b",
        ),
        (
            "GitHub token",
            ("ghp_", "gho_", "ghu_", "ghs_", "ghr_"),
            r"\bgh[pousr]_[A-Za-z0-9]{36}\b",
        ),
        (
            "GitHub fine-grained token",
            ("github_pat_",),
            r"\bgithub_pat_[A-Za-z0-9]{22}_[A-Za-z0-9]{59}\b",
        ),
        ("Slack token", ("xox",), r"\bxox[abposr]-[0-9A-Za-z]{10,}-[0-9A-Za-z-]{10,}"),
        (
            "Slack webhook",
            ("hooks.slack.com",),
            r"https://hooks\.slack\.com/services/T[A-Z0-9]{8,}/B[A-Z0-9]{8,}/\w{20,}",
        ),
        ("Stripe live key", ("k_live_",), r"\b[rs]k_live_[0-9A-Za-z]{24,}\b"),
        ("Google API key", ("AIza",), r"\bAIza[0-9A-Za-z_-]{35}\b"),
        ("npm token", ("npm_",), r"\bnpm_[A-Za-z0-9]{36}\b"),
        ("PyPI token", ("pypi-",), r"\bpypi-AgEIcHlwaS5vcmc[A-Za-z0-9_-]{50,}"),
    )
)
_NAMES = r"(?:passw(?:or)?d|pwd|secret|token|api_?key|apikey|access_?key|auth_?key|credentials?)"
#: A secret-sounding name (possibly the end of a longer one: DB_PASSWORD), an assignment
#: operator, and a quoted value (group 2) or a bare one (group 3).
#: It runs over the lower-cased text (a literal prefix without ``(?i)`` is much faster); the
#: ``(?i)`` twin serves a text whose length lower-casing changes.
_ASSIGNMENT_PATTERN = (
    rf"{_NAMES}[a-z0-9_]*['\"]?[ \t]*(?:=|:=|:|=>)[ \t]*"
    r"(?:[rbuf]?(['\"])([^'\"\n]{8,200})\1|([^\s'\"#,;()\[\]{}<>]{8,200}))"
)
_ASSIGNMENT = re.compile(_ASSIGNMENT_PATTERN)
_ASSIGNMENT_ANY_CASE = re.compile(_ASSIGNMENT_PATTERN, re.IGNORECASE)
#: Values that are obviously not a secret, whatever their entropy.
_PLACEHOLDER = re.compile(
    r"(?i)^(?:<[^>]*>|\$\{?[\w.:-]*\}?|%\(?\w*\)?s|\{\{.*\}\}|\{[\w.]*\}|\*+|x+|\.+|"
    r"(?:your|my|the|some|example|dummy|fake|sample|test|insert|replace|change)[\w-]*|"
    r".*(?:changeme|placeholder|redacted|example|xxxx).*|"
    r"(?:os\.)?(?:environ|getenv|env)\b.*|[\w.]+\(.*|[a-z_][a-z0-9_]*(?:\.[a-z_][a-z0-9_]*)+)$"
)
#: A secret has letters and digits; a bare identifier (``make_password``) or a password hash
#: (``pbkdf2_sha256$…``, ``$2b$…``) is no secret to rotate.
_NOT_SECRET = re.compile(
    r"^[A-Za-z_][A-Za-z_.-]*$|^\D*$|^[A-Za-z]*$|^(?:pbkdf2|argon2|bcrypt|sha1|md5|scrypt)"
)
_WORDS = frozenset(
    {"password", "passwd", "pass", "pwd", "secret", "token", "none", "null", "true", "false"}
)
_BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


@dataclass(frozen=True, slots=True)
class Hit:
    """A secret in a text: its kind, what it is (``AWS access key ID``), where (1-based line,
    column) and the secret itself (for hashing and masking only)."""

    kind: Kind
    what: str
    line: int
    column: int
    secret: str


def mask(secret: str) -> str:
    """A preview showing at most 4 characters of ``secret`` in total: ``hu…r2`` and its length."""
    shown = 2 if len(secret) >= 16 else 1 if len(secret) >= 8 else 0
    head, tail = secret[:shown], secret[len(secret) - shown :] if shown else ""
    return f"{head}…{tail} ({len(secret)} chars)"


def _base62(number: int, width: int) -> str:
    digits = ""
    while number:
        number, rest = divmod(number, 62)
        digits = _BASE62[rest] + digits
    return digits.rjust(width, "0")


def github_checksum_ok(token: str) -> bool:
    """Whether a ``ghp_``/``gho_``/… token's last six characters are the base62 CRC32 of the
    thirty before them: true of every token GitHub issues, false of most made-up strings."""
    body = token[4:]
    return _base62(zlib.crc32(body[:30].encode()), 6) == body[30:]


@functools.cache
def _entropy_plugin() -> object:
    from detect_secrets.plugins.high_entropy_strings import Base64HighEntropyString

    return Base64HighEntropyString()


def entropy(value: str) -> float:
    """Shannon entropy per character of ``value`` (detect-secrets' measure, base64 charset)."""
    plugin = _entropy_plugin()
    return float(plugin.calculate_shannon_entropy(value))  # type: ignore[attr-defined]


def is_placeholder(value: str) -> bool:
    """Whether ``value`` is a placeholder, a reference or an identifier rather than a secret
    (our patterns plus detect-secrets' heuristic filters)."""
    from detect_secrets.filters import heuristic

    lowered = value.lower()
    return (
        lowered in _WORDS
        or len(set(value)) <= 2
        or bool(_PLACEHOLDER.match(value))
        or bool(_NOT_SECRET.match(value))
        or heuristic.is_potential_uuid(value)
        or heuristic.is_sequential_string(value)
        or heuristic.is_templated_secret(value)
        or heuristic.is_prefixed_with_dollar_sign(value)
    )


def _position(text: str, offset: int, starts: list[int]) -> tuple[int, int]:
    import bisect

    index = bisect.bisect_right(starts, offset) - 1
    return index + 1, offset - starts[index] + 1


def scan(text: str, min_entropy: float = 3.0) -> list[Hit]:
    """Every secret in ``text``, in order of position."""
    found = [*_private_keys(text), *_urls(text), *_tokens(text), *_assignments(text, min_entropy)]
    if not found:
        return []
    starts = [0, *(m.end() for m in re.finditer("\n", text))]
    hits = []
    seen: set[tuple[str, int]] = set()
    for offset, kind, what, secret in sorted(found, key=lambda item: item[0]):
        line, column = _position(text, offset, starts)
        if (secret, line) in seen:  # a token also assigned to a name: one finding
            continue
        seen.add((secret, line))
        hits.append(Hit(kind, what, line, column, secret))
    return hits


_Found = tuple[int, Kind, str, str]


def _private_keys(text: str) -> Iterator[_Found]:
    if "PRIVATE KEY" not in text:
        return
    for match in _PRIVATE_KEY.finditer(text):
        body = "".join(match.group(2).split())
        if not is_placeholder(body):
            yield match.start(), "private_key", match.group(1).lower(), body


def _urls(text: str) -> Iterator[_Found]:
    if "://" not in text:
        return
    for match in _URL.finditer(text):
        user, password = match.group(2), match.group(3)
        if password.lower() == user.lower() or is_placeholder(password):
            continue
        yield match.start(3), "url_credentials", f"{match.group(1)} URL", password


def _tokens(text: str) -> Iterator[_Found]:
    for name, literals, pattern in _TOKENS:
        if not any(literal in text for literal in literals):
            continue
        for match in pattern.finditer(text):
            token = match.group()
            if name == "GitHub token" and not github_checksum_ok(token):
                continue
            yield match.start(), "token", name, token


def _assignments(text: str, min_entropy: float) -> Iterator[_Found]:
    lowered = text.lower()
    same = len(lowered) == len(text)
    for match in (_ASSIGNMENT if same else _ASSIGNMENT_ANY_CASE).finditer(
        lowered if same else text
    ):
        group = 2 if match.group(2) is not None else 3
        value = text[match.start(group) : match.end(group)]
        if " " in value.strip() or is_placeholder(value) or entropy(value) < min_entropy:
            continue
        yield match.start(group), "assignment", "value assigned to a secret name", value
