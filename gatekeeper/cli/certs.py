"""``gatekeeper certs``: the internal CA (Vault/OpenBao PKI, or the built-in local CA).

Standard library only at module top; the PKI code is imported inside the handlers.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from gatekeeper.cli import COMMANDS
from gatekeeper.cli.common import add_policy_argument, load, resolve_root, say
from gatekeeper.errors import EXIT_FAILED, EXIT_PASSED, UsageError

if TYPE_CHECKING:
    from gatekeeper.pki.interface import CertificateAuthority
    from gatekeeper.pki.operations import Issued, Status
    from gatekeeper.pki.store import CertStore
    from gatekeeper.policy.model import CertsPolicy

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
    p.set_defaults(handler=handle_init)

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
    p.set_defaults(handler=handle_issue)

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
    p.set_defaults(handler=handle_renew)

    p = action("revoke", "revoke a service's certificate (or a serial) and publish the CRL")
    p.add_argument("service", nargs="?", metavar="SERVICE")
    p.add_argument("--serial", default=None, metavar="S")
    p.set_defaults(handler=handle_revoke)

    p = action("status", "table of certificates, flagging expiring and expired ones")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(handler=handle_status)

    p = action("verify", "check chain to ca.pem, key/cert match and SANs")
    p.add_argument("service", metavar="SERVICE")
    p.add_argument(
        "--name",
        action="append",
        default=[],
        metavar="HOST",
        help="a DNS name or IP the certificate must cover (default: the policy's SANs)",
    )
    p.set_defaults(handler=handle_verify)


def _context(args: argparse.Namespace) -> tuple[Path, CertsPolicy, CertStore]:
    from gatekeeper.pki.operations import store_for

    root = resolve_root(args.repo)
    policy = load(args, root, os.environ).policy.certs
    return root, policy, store_for(root, policy)


def _open(policy: CertsPolicy) -> CertificateAuthority:
    from gatekeeper.pki.factory import open_authority

    return open_authority(policy)


def _print_issued(items: list[Issued]) -> None:
    for item in items:
        names = ", ".join((*item.dns_names, *item.ip_addresses))
        print(f"{item.service}: serial {item.serial} ({item.key_type}, {item.ttl}) [{names}]")


def handle_init(args: argparse.Namespace) -> int:
    from gatekeeper.pki.operations import init_ca

    _, policy, store = _context(args)
    root = None
    if args.import_root is not None:
        from gatekeeper.pki.rootbundle import PASSPHRASE_VAR, load_root_bundle

        passphrase = os.environ.get(PASSPHRASE_VAR)
        root = load_root_bundle(args.import_root, passphrase.encode() if passphrase else None)
    with _open(policy) as ca:
        result = init_ca(ca, policy, root)
        bundle = store.write_bundle(ca.trust_bundle())
    for line in result.actions:
        print(f"{result.backend}: {line}")
    if not result.changed:
        print(f"{result.backend}: already set up at {result.location}; nothing changed")
    say(f"trust bundle: {bundle}")
    return EXIT_PASSED


def handle_issue(args: argparse.Namespace) -> int:
    from gatekeeper.pki.operations import issue_all, issue_service

    if bool(args.all) == bool(args.service):
        raise UsageError("name one SERVICE or give --all")
    if args.all and (args.san or args.ip or args.ttl or args.key_type or args.role):
        raise UsageError("--all takes SANs, TTLs and key types from the policy's services")
    _, policy, store = _context(args)
    with _open(policy) as ca:
        if args.all:
            issued = issue_all(ca, store, policy)
        else:
            issued = [
                issue_service(
                    ca,
                    store,
                    policy,
                    args.service,
                    sans=args.san,
                    ips=args.ip,
                    ttl=args.ttl,
                    key_type=args.key_type,
                    role=args.role,
                )
            ]
    _print_issued(issued)
    say(f"issued {len(issued)} certificate(s) into {store.path}")
    return EXIT_PASSED


def handle_renew(args: argparse.Namespace) -> int:
    from gatekeeper.pki.operations import renew

    if bool(args.all) == bool(args.service):
        raise UsageError("name one SERVICE or give --all")
    _, policy, store = _context(args)
    services = store.services() if args.all else [args.service]
    with _open(policy) as ca:
        results = renew(ca, store, policy, services, force=args.force)
    for r in results:
        print(f"{r.service}: {'renewed' if r.renewed else 'kept'} ({r.reason})")
    renewed = [r for r in results if r.renewed]
    if renewed and args.exec_cmd:
        import shlex
        import subprocess  # nosec B404 - runs the reload command the user gave, no shell

        command = shlex.split(args.exec_cmd)
        say(f"running reload command: {command[0]}")
        try:
            done = subprocess.run(command, check=False)  # noqa: S603  # nosec B603 - user's command, no shell
        except OSError as exc:
            say(f"reload command failed to start: {exc.strerror}")
            return EXIT_FAILED
        if done.returncode != 0:
            say(f"reload command exited with {done.returncode}")
            return EXIT_FAILED
    return EXIT_PASSED


def handle_revoke(args: argparse.Namespace) -> int:
    from gatekeeper.pki.operations import revoke

    if bool(args.serial) == bool(args.service):
        raise UsageError("name one SERVICE or give --serial")
    _, policy, store = _context(args)
    with _open(policy) as ca:
        serial = revoke(ca, store, service=args.service, serial=args.serial)
    print(f"revoked serial {serial}")
    say(f"CRL written to {store.path / 'crl.pem'}")
    return EXIT_PASSED


def handle_status(args: argparse.Namespace) -> int:
    from gatekeeper.pki.operations import status

    _, policy, store = _context(args)
    rows = status(store, policy)
    if args.json:
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
                "state": r.state,
            }
            for r in rows
        ]
        print(json.dumps(data, indent=2))
    else:
        _print_table(rows)
    return EXIT_FAILED if any(r.state in ("fail", "expired") for r in rows) else EXIT_PASSED


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


def handle_verify(args: argparse.Namespace) -> int:
    from gatekeeper.pki.operations import expected_names
    from gatekeeper.pki.verify import verify_service

    _, policy, store = _context(args)
    names = args.name or expected_names(policy, args.service)
    result = verify_service(store, args.service, names)
    for line in result.checked:
        print(f"ok: {line}")
    for line in result.problems:
        print(f"FAIL: {line}")
    print(f"{args.service}: {'verified' if result.ok else 'verification FAILED'}")
    sys.stdout.flush()
    return EXIT_PASSED if result.ok else EXIT_FAILED
