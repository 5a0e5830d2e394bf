"""``gatekeeper certs``: the internal CA (Vault/OpenBao PKI, or the built-in local CA).

Standard library only at module top; the PKI code is imported inside the handlers.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from gatekeeper.cli import COMMANDS
from gatekeeper.cli.common import add_policy_argument, load, resolve_root, say
from gatekeeper.errors import EXIT_FAILED, EXIT_PASSED, UsageError

if TYPE_CHECKING:
    from gatekeeper.pki.interface import CertificateAuthority, KeyType
    from gatekeeper.pki.operations import Issued, Status
    from gatekeeper.pki.store import CertStore
    from gatekeeper.policy.model import CertsPolicy, Policy

KEY_TYPES = ("ec", "rsa", "ed25519")


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser(
        "certs",
        help=COMMANDS["certs"],
        description="The internal CA. Vault/OpenBao PKI when VAULT_ADDR is set, else a local CA "
        "in $GATEKEEPER_CA_DIR. Exit codes: 0 ok, 1 a check failed, 2 request outside the "
        "policy or bad input, 3 Vault unreachable, sealed or denied.",
    )
    commands = parser.add_subparsers(dest="certs_command", metavar="ACTION", required=True)

    def action(name: str, help_text: str) -> argparse.ArgumentParser:
        p = commands.add_parser(name, help=help_text, description=help_text)
        p.add_argument(
            "--repo", type=Path, default=Path("."), metavar="PATH", help="repository (default: .)"
        )
        add_policy_argument(p)
        return p

    p = action("init", "set up the CA hierarchy and roles (idempotent)")
    p.add_argument(
        "--import-root",
        type=Path,
        default=None,
        metavar="BUNDLE",
        help="import this existing root CA instead of generating one: a PEM file with the "
        "certificate and its private key (an encrypted key takes its passphrase from "
        "GATEKEEPER_IMPORT_PASSPHRASE)",
    )
    p.set_defaults(handler=lambda a: init(a.repo, a.policy, import_root=a.import_root))

    p = action("issue", "issue a key and certificate into <certs dir>/SERVICE/")
    p.add_argument("service", nargs="?", metavar="SERVICE")
    p.add_argument("--all", action="store_true", help="every service listed in the policy")
    p.add_argument("--san", action="append", default=[], metavar="DNS", help="DNS name")
    p.add_argument("--ip", action="append", default=[], metavar="IP", help="IP address SAN")
    p.add_argument("--ttl", default=None, metavar="DURATION", help="e.g. 30d, 720h")
    p.add_argument("--key-type", choices=KEY_TYPES, default=None)
    p.add_argument(
        "--role", default=None, help="policy role (default: the service's, or 'service')"
    )
    p.set_defaults(
        handler=lambda a: issue(
            a.repo,
            a.policy,
            a.service,
            every=a.all,
            sans=a.san,
            ips=a.ip,
            ttl=a.ttl,
            key_type=a.key_type,
            role=a.role,
        )
    )

    p = action("renew", "renew certificates inside their renewal window")
    p.add_argument("service", nargs="?", metavar="SERVICE")
    p.add_argument("--all", action="store_true", help="every service with a certificate")
    p.add_argument("--force", action="store_true", help="renew even outside the window")
    p.add_argument(
        "--exec",
        dest="exec_cmd",
        default=None,
        metavar="CMD",
        help="reload command to run after a successful renewal (no shell)",
    )
    p.set_defaults(
        handler=lambda a: renew(
            a.repo, a.policy, a.service, every=a.all, force=a.force, reload=a.exec_cmd
        )
    )

    p = action("revoke", "revoke a service's certificate (or a serial) and publish the CRL")
    p.add_argument("service", nargs="?", metavar="SERVICE")
    p.add_argument("--serial", default=None, metavar="S")
    p.set_defaults(handler=lambda a: revoke(a.repo, a.policy, a.service, serial=a.serial))

    p = action("status", "table of certificates, flagging expiring and expired ones")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(handler=lambda a: status(a.repo, a.policy, as_json=a.json))

    p = action("verify", "check chain to ca.pem, key/cert match and SANs")
    p.add_argument("service", metavar="SERVICE")
    p.add_argument(
        "--name",
        action="append",
        default=[],
        metavar="HOST",
        help="a DNS name or IP the certificate must cover (default: the policy's SANs)",
    )
    p.set_defaults(handler=lambda a: verify(a.repo, a.policy, a.service, names=a.name))


def _context(repo: Path, policy_file: Path | None) -> tuple[Path, Policy, CertStore]:
    from gatekeeper.pki.operations import store_for

    root = resolve_root(repo)
    policy = load(policy_file, root, os.environ).policy
    return root, policy, store_for(root, policy.certs)


def _open(policy: CertsPolicy) -> CertificateAuthority:
    from gatekeeper.pki.factory import open_authority

    return open_authority(policy)


def _print_issued(items: list[Issued]) -> None:
    for item in items:
        names = ", ".join((*item.dns_names, *item.ip_addresses))
        print(f"{item.service}: serial {item.serial} ({item.key_type}, {item.ttl}) [{names}]")


def init(repo: Path, policy_file: Path | None, *, import_root: Path | None = None) -> int:
    from gatekeeper.pki.operations import init_ca

    _, policy, store = _context(repo, policy_file)
    root = None
    if import_root is not None:
        from gatekeeper.pki.rootbundle import PASSPHRASE_VAR, load_root_bundle

        passphrase = os.environ.get(PASSPHRASE_VAR)
        root = load_root_bundle(import_root, passphrase.encode() if passphrase else None)
    with _open(policy.certs) as ca:
        result = init_ca(ca, policy.certs, root)
        bundle = store.write_bundle(ca.trust_bundle())
    for line in result.actions:
        print(f"{result.backend}: {line}")
    if not result.changed:
        print(f"{result.backend}: already set up at {result.location}; nothing changed")
    say(f"trust bundle: {bundle}")
    return EXIT_PASSED


def issue(
    repo: Path,
    policy_file: Path | None,
    service: str | None,
    *,
    every: bool = False,
    sans: Sequence[str] = (),
    ips: Sequence[str] = (),
    ttl: str | None = None,
    key_type: KeyType | None = None,
    role: str | None = None,
) -> int:
    from gatekeeper.pki.operations import issue_all, issue_service

    if every == bool(service):
        raise UsageError("name one SERVICE or give --all")
    if every and (sans or ips or ttl or key_type or role):
        raise UsageError("--all takes SANs, TTLs and key types from the policy's services")
    _, policy, store = _context(repo, policy_file)
    with _open(policy.certs) as ca:
        if service is None:
            issued = issue_all(ca, store, policy.certs)
        else:
            issued = [
                issue_service(
                    ca,
                    store,
                    policy.certs,
                    service,
                    sans=sans,
                    ips=ips,
                    ttl=ttl,
                    key_type=key_type,
                    role=role,
                )
            ]
    _print_issued(issued)
    say(f"issued {len(issued)} certificate(s) into {store.path}")
    return EXIT_PASSED


def renew(
    repo: Path,
    policy_file: Path | None,
    service: str | None,
    *,
    every: bool = False,
    force: bool = False,
    reload: str | None = None,
) -> int:
    from gatekeeper.pki import operations

    if every == bool(service):
        raise UsageError("name one SERVICE or give --all")
    argv = operations.reload_command(reload) if reload else None
    _, policy, store = _context(repo, policy_file)
    services = store.services() if service is None else [service]
    with _open(policy.certs) as ca:
        results = operations.renew(ca, store, policy.certs, services, force=force)
    for r in results:
        print(f"{r.service}: {'renewed' if r.renewed else 'kept'} ({r.reason})")
    if argv and any(r.renewed for r in results):
        problem = operations.run_reload(argv, announce=say)
        if problem is not None:
            say(problem)
            return EXIT_FAILED
    return EXIT_PASSED


def revoke(
    repo: Path, policy_file: Path | None, service: str | None, *, serial: str | None = None
) -> int:
    from gatekeeper.pki import operations

    if bool(serial) == bool(service):
        raise UsageError("name one SERVICE or give --serial")
    _, policy, store = _context(repo, policy_file)
    with _open(policy.certs) as ca:
        revoked = operations.revoke(ca, store, service=service, serial=serial)
    print(f"revoked serial {revoked}")
    say(f"CRL written to {store.path / 'crl.pem'}")
    return EXIT_PASSED


def status(repo: Path, policy_file: Path | None, *, as_json: bool = False) -> int:
    """The certificates' table; the exit code is the certs gate's, judged by the runner, so
    ``certs status`` and ``gatekeeper check --gate certs`` always agree."""
    from gatekeeper import runner
    from gatekeeper.gates.certs import CertsGate, inspect_certs
    from gatekeeper.pki.operations import status as rows_of

    root, policy, store = _context(repo, policy_file)
    rows = rows_of(store, policy.certs)
    if as_json:
        import json

        data = [
            {
                "service": r.info.service,
                "subject": r.info.subject,
                "sans": list(r.info.sans),
                "serial": r.info.serial,
                "issuer": r.info.issuer,
                "not_after": r.info.not_after.isoformat(),
                "days_left": round(r.days_left, 2),
                "state": r.state.value,
            }
            for r in rows
        ]
        print(json.dumps(data, indent=2))
    else:
        _print_table(rows)
    reports = runner.judge_alone(CertsGate.name, inspect_certs(root, policy.certs), policy)
    for judged in (f for report in reports for f in report.findings):
        if judged.finding.rule_id in _NOT_IN_TABLE or judged.finding.rule_id.startswith("GK-POL"):
            say(f"{'FAIL' if judged.blocking else 'note'}: {judged.finding.message}")
    return runner.exit_code(reports)


#: certs gate findings the table cannot show: an unreadable certificate, an exposed key.
_NOT_IN_TABLE = frozenset({"GK-CERT-004", "GK-CERT-005"})


def _print_table(rows: list[Status]) -> None:
    if not rows:
        print("no certificates")
        return
    header = ("SERVICE", "SUBJECT", "SANS", "SERIAL", "ISSUER", "NOT AFTER", "DAYS", "STATE")
    table = [header] + [
        (
            r.info.service,
            r.info.subject,
            ",".join(r.info.sans),
            r.info.serial,
            r.info.issuer,
            r.info.not_after.strftime("%Y-%m-%d %H:%M"),
            f"{r.days_left:.1f}",
            r.state.upper() if r.state != "ok" else "ok",
        )
        for r in rows
    ]
    widths = [max(len(row[i]) for row in table) for i in range(len(header))]
    for row in table:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())


def verify(repo: Path, policy_file: Path | None, service: str, *, names: Sequence[str] = ()) -> int:
    from gatekeeper.pki.operations import expected_names
    from gatekeeper.pki.verify import verify_service

    _, policy, store = _context(repo, policy_file)
    result = verify_service(store, service, list(names) or expected_names(policy.certs, service))
    for line in result.checked:
        print(f"ok: {line}")
    for line in result.problems:
        print(f"FAIL: {line}")
    print(f"{service}: {'verified' if result.ok else 'verification FAILED'}")
    sys.stdout.flush()
    return EXIT_PASSED if result.ok else EXIT_FAILED
