"""The URL rule (TLS everywhere; plain HTTP only to loopback) and the one redaction function."""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import SplitResult, urlsplit, urlunsplit

from gatekeeper.errors import GatekeeperError, UsageError

MASK = "***"

# userinfo is everything between "://" and the last "@" before the path, as urlsplit reads it.
_USERINFO = re.compile(r"(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*://)(?P<info>[^/?#\s]*)@")
_SECRET_PARAM = re.compile(
    r"(?P<name>[?&;][^=&#\s]*?(?:token|key|secret|passw|pwd|signature|sig|auth|credential)"
    r"[^=&#\s]*=)[^&;#\s]*",
    re.IGNORECASE,
)
_TOKENS = (
    # Vault/OpenBao service, batch and recovery tokens, and the legacy ``s.`` shape.
    (re.compile(r"\bh[vb][sbr]\.[A-Za-z0-9_-]{8,}"), MASK),
    (re.compile(r"(?<![\w.])[sbr]\.[A-Za-z0-9]{20,}\b"), MASK),
    # GitHub tokens: ghp_ (personal), gho_/ghu_ (OAuth, user-to-server), ghs_ (installation and
    # GITHUB_TOKEN), ghr_ (refresh), github_pat_ (fine-grained).
    (re.compile(r"\bgh[pousr]_[A-Za-z0-9]{20,}"), MASK),
    (re.compile(r"\bgithub_pat_[A-Za-z0-9_]{20,}"), MASK),
    (re.compile(r"\b(?P<kind>Bearer\s+)[^\s,;\"']+", re.IGNORECASE), None),
    (re.compile(r"\b(?P<kind>Basic\s+)[A-Za-z0-9+/=]{8,}", re.IGNORECASE), None),
    (re.compile(r"(?P<kind>x-vault-token\s*[:=]\s*)[^\s,;\"']+", re.IGNORECASE), None),
)


def _userinfo(match: re.Match[str]) -> str:
    user, colon, _ = match["info"].partition(":")
    return f"{match['scheme']}{user}:{MASK}@" if colon else f"{match['scheme']}{MASK}@"


def redact(text: str) -> str:
    """``text`` with URL passwords, secret-looking query parameters and token shapes masked.

    ``http://u:pw@host`` becomes ``http://u:***@host`` (a user without a password, often a
    token itself, becomes ``***``); ``?token=x`` becomes ``?token=***``; ``hvs.…``,
    ``Bearer …`` and GitHub's ``ghs_…``/``github_pat_…`` become ``***``. Use it on every
    message and stored string that may hold a URL.
    """
    text = _USERINFO.sub(_userinfo, text)
    text = _SECRET_PARAM.sub(lambda m: m["name"] + MASK, text)
    for pattern, replacement in _TOKENS:
        text = pattern.sub(replacement or (lambda m: m["kind"] + MASK), text)
    return text


def without_userinfo(url: str) -> str:
    """``url`` with no user or password at all (for URLs published elsewhere, e.g. in a CRL)."""
    parts = urlsplit(url)
    netloc = parts.netloc.rpartition("@")[2]
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def is_loopback(host: str) -> bool:
    """True for ``localhost`` and loopback addresses: the only hosts plain HTTP may reach."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_url(url: str, setting: str, error: type[GatekeeperError] = UsageError) -> SplitResult:
    """Apply the URL rule to ``url`` taken from ``setting`` (``--from``, ``VAULT_ADDR``, ...):
    an http(s) URL with a host and a valid port; https anywhere, plain http only to loopback.

    Anything else raises ``error`` (exit 2) naming the setting, never the URL's credentials.
    Redirects are checked with the same rule (see :mod:`gatekeeper.net.http`).
    """
    shown = redact(url)
    try:
        parts = urlsplit(url)
        port_ok = parts.port is None or parts.port > 0
    except ValueError as exc:
        # Never the exception's text: it can quote the netloc, password included.
        reason = "invalid port" if "port" in str(exc).lower() else "malformed host or characters"
        raise error(f"{setting} is not a valid URL ({reason}): {shown}") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise error(f"{setting} must be an http(s) URL with a host, got {shown}")
    if not port_ok:
        raise error(f"{setting} has an invalid port: {shown}")
    if any(ord(c) < 0x21 or ord(c) == 0x7F for c in url):
        raise error(f"{setting} contains whitespace or control characters: {shown}")
    if parts.scheme == "http" and not is_loopback(parts.hostname):
        raise error(
            f"{setting}: refusing plain HTTP to {parts.hostname}",
            hint="use https:// (plain http only to a loopback address)",
        )
    return parts
