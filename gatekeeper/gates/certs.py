"""The ``certs`` gate: certificates in the policy's certs directory that expire soon or are bad.

Rules: the constants below (see docs/certs.md). Fingerprints hash the file's path and, for the
expiry rules, the certificate's serial: a renewed certificate is a new finding.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from gatekeeper.errors import CertificateError
from gatekeeper.gates.interface import Gate, GateContext
from gatekeeper.model import Finding, GateResult, Location, Rule, Severity

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
        from gatekeeper.pki.inspect import read_info
        from gatekeeper.pki.store import CERT, KEY

        policy = ctx.policy.certs
        base = ctx.root / policy.dir
        if not base.is_dir():
            return GateResult.skip(f"no certificate directory {policy.dir}/")
        now = self._now or dt.datetime.now(dt.UTC)
        findings: list[Finding] = []
        expired = expiring = 0
        certs = sorted(p for p in base.glob(f"*/{CERT}") if not p.parent.name.startswith("."))
        for cert_path in certs:
            service = cert_path.parent.name
            where = _relative(cert_path, ctx.root)
            key_path = cert_path.parent / KEY
            if key_path.is_file() and key_path.stat().st_mode & 0o077:
                mode = oct(key_path.stat().st_mode & 0o777)
                key_where = _relative(key_path, ctx.root)
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
                findings.append(
                    UNREADABLE.finding(
                        f"{service}: {exc.message}", where, exc.message, location=Location(where)
                    )
                )
                continue
            days = info.days_left(now)
            common = {"service": service, "serial": info.serial, "days_left": round(days, 2)}
            if days <= 0:
                expired += 1
                rule, text = EXPIRED, f"expired on {info.not_after:%Y-%m-%d}"
            elif days < policy.fail_days:
                expiring += 1
                rule, text = EXPIRES_SOON, f"expires in {days:.1f} days (< {policy.fail_days})"
            elif days < policy.warn_days:
                expiring += 1
                rule, text = EXPIRES_WARN, f"expires in {days:.1f} days (< {policy.warn_days})"
            else:
                continue
            message = f"{service}: certificate {info.subject} (serial {info.serial}) {text}"
            findings.append(
                rule.finding(message, where, info.serial, location=Location(where), data=common)
            )
        return GateResult.ok(findings, certificates=len(certs), expiring=expiring, expired=expired)


def _relative(path: Path, root: Path) -> str:
    return path.relative_to(root).as_posix()
