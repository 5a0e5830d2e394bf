"""The ``certs`` gate: certificates in the policy's certs directory that expire soon or are bad.

Rules (see docs/certs.md):

- GK-CERT-001 critical  certificate expired                     CWE-324
- GK-CERT-002 high      expires in fewer than fail_days days     CWE-324
- GK-CERT-003 medium    expires in fewer than warn_days days     CWE-324
- GK-CERT-004 high      certificate file unreadable or invalid   CWE-295
- GK-CERT-005 high      private key readable by group or others  CWE-732
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING

from gatekeeper.errors import CertificateError
from gatekeeper.gates.interface import Gate, GateContext
from gatekeeper.model import Finding, GateResult, Location, Severity, help_uri, make_fingerprint
from gatekeeper.pki.expiry import ExpiryState, expiry_state

if TYPE_CHECKING:
    from gatekeeper.policy.certs import CertsPolicy

RULES: dict[str, tuple[Severity, str, str]] = {
    "GK-CERT-001": (Severity.CRITICAL, "Certificate expired", "CWE-324"),
    "GK-CERT-002": (Severity.HIGH, "Certificate expires within fail_days", "CWE-324"),
    "GK-CERT-003": (Severity.MEDIUM, "Certificate expires within warn_days", "CWE-324"),
    "GK-CERT-004": (Severity.HIGH, "Certificate unreadable or invalid", "CWE-295"),
    "GK-CERT-005": (Severity.HIGH, "Private key readable by group or others", "CWE-732"),
}


def _finding(rule: str, message: str, location: str, *parts: object, **data: object) -> Finding:
    severity, title, cwe = RULES[rule]
    return Finding(
        rule_id=rule,
        severity=severity,
        message=message,
        fingerprint=make_fingerprint(rule, location, *parts),
        location=Location(location),
        help_uri=help_uri(rule),
        title=title,
        data={"cwe": cwe, **data},
    )


class CertsGate(Gate):
    name = "certs"
    description = "service certificates: expired or expiring soon, unreadable, exposed keys"

    def __init__(self, now: dt.datetime | None = None) -> None:
        self._now = now

    def run(self, ctx: GateContext) -> GateResult:
        return inspect_certs(ctx.root, ctx.policy.certs, self._now)


#: expiry state → (rule, what the message says), for the states that are findings.
_EXPIRY_RULES = {
    ExpiryState.EXPIRED: "GK-CERT-001",
    ExpiryState.FAIL: "GK-CERT-002",
    ExpiryState.WARN: "GK-CERT-003",
}


def inspect_certs(root: Path, policy: CertsPolicy, now: dt.datetime | None = None) -> GateResult:
    """The gate's result for ``root``'s certificate directory (``certs status`` judges it too)."""
    from gatekeeper.pki.inspect import read_info
    from gatekeeper.pki.store import CERT, KEY, certs_dir

    base = certs_dir(root, policy.dir)
    if not base.is_dir():
        return GateResult.skip(f"no certificate directory {policy.dir}/")
    now = now or dt.datetime.now(dt.UTC)
    findings: list[Finding] = []
    expired = expiring = 0
    certs = sorted(p for p in base.glob(f"*/{CERT}") if not p.parent.name.startswith("."))
    for cert_path in certs:
        service = cert_path.parent.name
        where = _relative(cert_path, root)
        key_path = cert_path.parent / KEY
        if key_path.is_file() and key_path.stat().st_mode & 0o077:
            mode = oct(key_path.stat().st_mode & 0o777)
            findings.append(
                _finding(
                    "GK-CERT-005",
                    f"{_relative(key_path, root)} has mode {mode}; keys must be 0600",
                    _relative(key_path, root),
                )
            )
        try:
            info = read_info(cert_path, service)
        except CertificateError as exc:
            message = f"{service}: {exc.message}"
            findings.append(_finding("GK-CERT-004", message, where, exc.message))
            continue
        state = expiry_state(info.not_after, now, policy.warn_days, policy.fail_days)
        if state is ExpiryState.OK:
            continue
        days = info.days_left(now)
        if state is ExpiryState.EXPIRED:
            expired += 1
            text = f"expired on {info.not_after:%Y-%m-%d}"
        else:
            expiring += 1
            limit = policy.fail_days if state is ExpiryState.FAIL else policy.warn_days
            text = f"expires in {days:.1f} days (< {limit})"
        common = {"service": service, "serial": info.serial, "days_left": round(days, 2)}
        message = f"{service}: certificate {info.subject} (serial {info.serial}) {text}"
        findings.append(_finding(_EXPIRY_RULES[state], message, where, info.serial, **common))
    return GateResult.ok(findings, certificates=len(certs), expiring=expiring, expired=expired)


def _relative(path: Path, root: Path) -> str:
    return path.relative_to(root).as_posix()
