"""The ``certs`` gate: certificates in the policy's certs directory that expire soon or are bad.

Rules: the constants below (see docs/certs.md). Fingerprints hash the file's path and, for the
expiry rules, the certificate's serial: a renewed certificate is a new finding.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING

from gatekeeper.errors import CertificateError
from gatekeeper.gates.interface import Gate, GateContext
from gatekeeper.model import Finding, GateResult, Location, Rule, Severity
from gatekeeper.pki.expiry import ExpiryState, expiry_state

if TYPE_CHECKING:
    from gatekeeper.policy.model import CertsPolicy

EXPIRED = Rule(
    "GK-CERT-001",
    "Certificate expired",
    Severity.CRITICAL,
    cwe=324,
    description="A certificate past its notAfter date.",
)
EXPIRES_SOON = Rule(
    "GK-CERT-002",
    "Certificate expires within fail_days",
    Severity.HIGH,
    cwe=324,
    description="A certificate that expires in fewer than `certs.fail_days` days.",
)
EXPIRES_WARN = Rule(
    "GK-CERT-003",
    "Certificate expires within warn_days",
    Severity.MEDIUM,
    cwe=324,
    description="A certificate that expires in fewer than `certs.warn_days` days.",
)
UNREADABLE = Rule(
    "GK-CERT-004",
    "Certificate unreadable or invalid",
    Severity.HIGH,
    cwe=295,
    description="A certificate file that cannot be read or is not a valid certificate.",
)
KEY_EXPOSED = Rule(
    "GK-CERT-005",
    "Private key readable by group or others",
    Severity.HIGH,
    cwe=732,
    description="A private key file whose mode is not 0600.",
)
RULES: tuple[Rule, ...] = (EXPIRED, EXPIRES_SOON, EXPIRES_WARN, UNREADABLE, KEY_EXPOSED)


class CertsGate(Gate):
    name = "certs"
    description = "service certificates: expired or expiring soon, unreadable, exposed keys"
    rules = RULES

    def __init__(self, now: dt.datetime | None = None) -> None:
        self._now = now

    def run(self, ctx: GateContext) -> GateResult:
        return inspect_certs(ctx.root, ctx.policy.certs, self._now)


#: expiry state → rule, for the states that are findings.
_EXPIRY_RULES = {
    ExpiryState.EXPIRED: EXPIRED,
    ExpiryState.FAIL: EXPIRES_SOON,
    ExpiryState.WARN: EXPIRES_WARN,
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
            key_where = _relative(key_path, root)
            findings.append(
                KEY_EXPOSED.finding(
                    f"{key_where} has mode {mode}; keys must be 0600",
                    key_where,
                    location=Location(key_where),
                )
            )
        try:
            info = read_info(cert_path, service)
        except CertificateError as exc:
            message = f"{service}: {exc.message}"
            findings.append(
                UNREADABLE.finding(message, where, exc.message, location=Location(where))
            )
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
        findings.append(
            _EXPIRY_RULES[state].finding(
                message, where, info.serial, location=Location(where), data=common
            )
        )
    return GateResult.ok(findings, certificates=len(certs), expiring=expiring, expired=expired)


def _relative(path: Path, root: Path) -> str:
    return path.relative_to(root).as_posix()
