"""What the ``certs`` commands do, as functions other code and tests can call.

Every function takes an open :class:`CertificateAuthority` and never asks which backend it is.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from gatekeeper.duration import format_duration
from gatekeeper.errors import CertificateError, ConfigError, UsageError
from gatekeeper.pki.expiry import ExpiryState, expiry_state
from gatekeeper.pki.interface import (
    CertificateAuthority,
    CertificateRequest,
    InitResult,
    IssuedCertificate,
    KeyType,
    RootBundle,
    normalize_serial,
)
from gatekeeper.pki.store import CERT, CertStore, certs_dir, check_service_name
from gatekeeper.pki.validate import build_request
from gatekeeper.policy.model import CertsPolicy, CertsService

if TYPE_CHECKING:
    from concurrent.futures import Future

    from gatekeeper.pki.inspect import CertInfo

#: Services made durable (one filesystem sync) and swapped in together, when requests go out
#: concurrently (see :attr:`CertificateAuthority.workers`).
BATCH = 16
#: Services issued, made durable and swapped in together by a CA that issues in-process.
SERIAL_BATCH = 512
#: Threads that create service directories: inode allocation is CPU work in the kernel, with
#: the GIL released, so it scales with cores (measured: two threads halve it on two cores,
#: more add nothing).
STAGE_THREADS = 2
#: Threads that delete replaced directories: mostly waiting for the disk (discards), so a few
#: more than cores still help (measured on two cores: 4 threads ~25% faster than 2).
DELETE_THREADS = 4


@dataclass(frozen=True)
class Issued:
    service: str
    path: Path
    serial: str
    dns_names: tuple[str, ...]
    ip_addresses: tuple[str, ...]
    key_type: KeyType
    ttl: str


@dataclass(frozen=True)
class Renewal:
    service: str
    renewed: bool
    reason: str
    issued: Issued | None = None


def store_for(root: Path, policy: CertsPolicy) -> CertStore:
    """The repository's certificate store; see :func:`~gatekeeper.pki.store.certs_dir`."""
    return CertStore(certs_dir(root, policy.dir))


def init_ca(
    ca: CertificateAuthority, policy: CertsPolicy, root: RootBundle | None = None
) -> InitResult:
    """Set up the CA; with ``root`` (see :func:`~gatekeeper.pki.rootbundle.load_root_bundle`),
    import that existing root instead of generating one."""
    return ca.init(policy.ca, policy.roles, root)


def _policy_service(policy: CertsPolicy, service: str) -> CertsService | None:
    return next((s for s in policy.services if s.name == service), None)


def _default_role(policy: CertsPolicy) -> str:
    if "service" in policy.roles:
        return "service"
    return next(iter(policy.roles))


def make_request(
    policy: CertsPolicy,
    service: str,
    *,
    sans: Sequence[str] = (),
    ips: Sequence[str] = (),
    ttl: str | None = None,
    key_type: KeyType | None = None,
    role: str | None = None,
) -> CertificateRequest:
    """The request for ``service``: command-line values, else the policy's services entry."""
    check_service_name(service)
    entry = _policy_service(policy, service)
    if entry is not None and not sans and not ips:
        sans, ips = entry.sans, entry.ips
    role_name = role or (entry.role if entry else None) or _default_role(policy)
    if role_name not in policy.roles:
        raise CertificateError(
            f"unknown role {role_name!r}", hint=f"the policy defines {', '.join(policy.roles)}"
        )
    return build_request(
        service,
        role_name,
        policy.roles[role_name],
        sans=sans,
        ips=ips,
        ttl=ttl if ttl is not None else (entry.ttl if entry else None),  # '' is no TTL
        key_type=key_type or (entry.key_type if entry else None),
    )


def _issued(service: str, path: Path, cert: IssuedCertificate, req: CertificateRequest) -> Issued:
    return Issued(
        service,
        path,
        cert.serial,
        req.dns_names,
        req.ip_addresses,
        req.key_type,
        format_duration(req.ttl_seconds),
    )


def _issue_and_stage(
    ca: CertificateAuthority, store: CertStore, service: str, req: CertificateRequest
) -> tuple[Issued, tuple[Path, Path]]:
    cert = ca.issue(req)
    staged = store.stage(service, cert)
    return _issued(service, staged[1], cert, req), staged


def issue_many(
    ca: CertificateAuthority,
    store: CertStore,
    requests: Sequence[tuple[str, CertificateRequest]],
    workers: int | None = None,
) -> list[Issued]:
    """Issue and write every request (already validated); then ``ca.pem``.

    ``workers`` (default: the CA's :attr:`~CertificateAuthority.workers`) is how many requests
    are in flight at once. With one, the CA signs in-process: every ``SERIAL_BATCH`` services
    are issued, written, made durable together and swapped in. With more, requests go out that
    many at a time over the CA's one connection pool, and every ``BATCH`` services are made
    durable and swapped in while the next batch is being issued. When a request fails, the ones
    that succeeded are still written, no new request or batch is started, everything else keeps
    its old files, and the first error is raised.
    """
    if not requests:
        return []
    store.write_bundle(ca.trust_bundle())
    count = max(1, min(ca.workers if workers is None else workers, len(requests)))
    if count == 1:
        return _issue_in_process(ca, store, requests)
    return _issue_concurrently(ca, store, requests, count)


def _issue_in_process(
    ca: CertificateAuthority,
    store: CertStore,
    requests: Sequence[tuple[str, CertificateRequest]],
) -> list[Issued]:
    """For a CA that signs in-process: every ``SERIAL_BATCH`` services are issued on
    :meth:`~CertificateAuthority.issue_threads` threads (one, unless key generation releases
    the GIL), staged on ``STAGE_THREADS`` threads (inode work is in the kernel), made durable
    together and swapped in, and only then are the replaced directories deleted."""
    from gatekeeper.pki.fs import in_parallel

    results: list[Issued] = []
    for start in range(0, len(requests), SERIAL_BATCH):
        chunk = requests[start : start + SERIAL_BATCH]
        threads = ca.issue_threads([request for _, request in chunk])
        certs, error = in_parallel(lambda item: ca.issue(item[1]), chunk, threads)
        made = [(s, r, cert) for (s, r), cert in zip(chunk, certs, strict=True) if cert is not None]
        staged, failed = store.stage_many([(s, cert) for s, _, cert in made], STAGE_THREADS)
        store.commit([pair for pair in staged if pair is not None], DELETE_THREADS)
        results += [
            _issued(service, pair[1], cert, request)
            for (service, request, cert), pair in zip(made, staged, strict=True)
            if pair is not None
        ]
        problem = failed or error
        if problem is not None:
            raise problem
    return results


def _issue_concurrently(
    ca: CertificateAuthority,
    store: CertStore,
    requests: Sequence[tuple[str, CertificateRequest]],
    workers: int,
) -> list[Issued]:
    from collections import deque
    from concurrent.futures import ThreadPoolExecutor

    results: list[Issued] = []
    error: Exception | None = None
    in_flight: deque[list[Future[tuple[Issued, tuple[Path, Path]]]]] = deque()
    with ThreadPoolExecutor(max_workers=workers) as pool:
        for start in range(0, len(requests), BATCH):
            chunk = requests[start : start + BATCH]
            in_flight.append([pool.submit(_issue_and_stage, ca, store, s, r) for s, r in chunk])
            if len(in_flight) > 1:  # commit the previous batch while this one is issued
                error = _commit(store, in_flight.popleft(), results) or error
                if error is not None:
                    break
        while in_flight:
            error = _commit(store, in_flight.popleft(), results) or error
    if error is not None:
        raise error
    return results


def _commit(
    store: CertStore,
    futures: list[Future[tuple[Issued, tuple[Path, Path]]]],
    results: list[Issued],
) -> Exception | None:
    """Wait for a batch, write the successes, return the first failure."""
    done: list[tuple[Issued, tuple[Path, Path]]] = []
    error: Exception | None = None
    for future in futures:
        try:
            done.append(future.result())
        except Exception as exc:  # noqa: PERF203 - keep the others' results
            error = error or exc
    store.commit([staged for _, staged in done], DELETE_THREADS)
    results.extend(issued for issued, _ in done)
    return error


def issue_service(
    ca: CertificateAuthority,
    store: CertStore,
    policy: CertsPolicy,
    service: str,
    *,
    sans: Sequence[str] = (),
    ips: Sequence[str] = (),
    ttl: str | None = None,
    key_type: KeyType | None = None,
    role: str | None = None,
) -> Issued:
    """Issue one service's certificate and write its directory and ``ca.pem``."""
    request = make_request(
        policy, service, sans=sans, ips=ips, ttl=ttl, key_type=key_type, role=role
    )
    return issue_many(ca, store, [(service, request)])[0]


def issue_all(ca: CertificateAuthority, store: CertStore, policy: CertsPolicy) -> list[Issued]:
    """Every service in the policy; all requests are validated before anything is issued."""
    if not policy.services:
        raise ConfigError(
            "the policy lists no services", hint="add [[certs.services]] entries to the policy"
        )
    requests = [(s.name, make_request(policy, s.name)) for s in policy.services]
    return issue_many(ca, store, requests)


def renewal_due(
    info: CertInfo, now: dt.datetime, fraction: float, jitter: float, rand: Callable[[], float]
) -> tuple[bool, str]:
    """Due when less than ``fraction`` of the lifetime is left; jitter moves the point earlier
    by up to ``jitter`` of the window so a fleet does not renew in the same second."""
    window = info.lifetime * fraction * (1 + jitter * rand())
    left = info.remaining(now)
    if left <= window:
        return True, f"{_days(left)} left, renewal window is {_days(window)}"
    return False, f"{_days(left)} left, not yet in the renewal window ({_days(window)})"


def _days(delta: dt.timedelta) -> str:
    return f"{delta.total_seconds() / 86400:.1f} days"


def renew(
    ca: CertificateAuthority,
    store: CertStore,
    policy: CertsPolicy,
    services: Iterable[str],
    *,
    force: bool = False,
    now: dt.datetime | None = None,
    rand: Callable[[], float] | None = None,
) -> list[Renewal]:
    """Renew the certificates in their renewal window (all of them with ``force``).

    The new pair is built completely before it replaces the old one; any failure leaves the old
    pair in place, intact and working.
    """
    from gatekeeper.pki.inspect import read_info

    if rand is None:
        import random

        rand = random.random
    moment = now or dt.datetime.now(dt.UTC)
    order = list(services)
    results: dict[str, Renewal] = {}
    due: list[tuple[str, CertificateRequest, str]] = []
    for service in order:
        info = read_info(store.service_dir(service) / CERT, service)
        is_due, reason = renewal_due(info, moment, policy.renew_fraction, policy.renew_jitter, rand)
        if not (is_due or force):
            results[service] = Renewal(service, False, reason)
            continue
        entry = _policy_service(policy, service)
        request = make_request(
            policy,
            service,
            sans=info.dns_names,
            ips=info.ip_addresses,
            key_type=info.key_type,
            role=entry.role if entry else None,
        )
        due.append((service, request, "forced" if force and not is_due else reason))
    issued = issue_many(ca, store, [(s, r) for s, r, _ in due])
    for (service, _, why), item in zip(due, issued, strict=True):
        results[service] = Renewal(service, True, why, item)
    return [results[s] for s in order]


def reload_command(command: str) -> list[str]:
    """``certs renew --exec``'s command line, split like a shell's (it never runs through one);
    checked before anything is renewed."""
    import shlex

    try:
        argv = shlex.split(command)
    except ValueError as exc:
        raise UsageError(f"--exec {command!r}: {exc}") from None
    if not argv:
        raise UsageError("--exec needs a command")
    return argv


def run_reload(argv: Sequence[str], announce: Callable[[str], None]) -> str | None:
    """Run the reload command after a renewal; ``announce`` hears which program starts.
    None when it exited 0, else what went wrong."""
    import subprocess  # nosec B404 - runs the reload command the user gave, no shell

    announce(f"running reload command: {argv[0]}")
    try:
        done = subprocess.run(argv, check=False)  # noqa: S603  # nosec B603 - user's command, no shell
    except OSError as exc:
        return f"reload command failed to start: {exc.strerror}"
    if done.returncode != 0:
        return f"reload command exited with {done.returncode}"
    return None


def revoke(
    ca: CertificateAuthority,
    store: CertStore,
    service: str | None = None,
    serial: str | None = None,
) -> str:
    """Revoke by service (its current certificate) or by serial; publish ``<dir>/crl.pem``."""
    from gatekeeper.pki.inspect import read_info

    if serial is None:
        if service is None:
            raise CertificateError("name a service or a serial to revoke")
        serial = read_info(store.service_dir(service) / CERT, service).serial
    wanted = normalize_serial(serial)
    ca.revoke(wanted)
    store.write_crl(ca.crl_pem())
    return wanted


@dataclass(frozen=True)
class Status:
    info: CertInfo
    days_left: float
    state: ExpiryState


def status(store: CertStore, policy: CertsPolicy, now: dt.datetime | None = None) -> list[Status]:
    """A row for each readable certificate (an unreadable one is the certs gate's GK-CERT-004)."""
    from gatekeeper.pki.inspect import read_info

    moment = now or dt.datetime.now(dt.UTC)
    rows = []
    for service in store.services():
        try:
            info = read_info(store.service_dir(service) / CERT, service)
        except CertificateError:
            continue
        state = expiry_state(info.not_after, moment, policy.warn_days, policy.fail_days)
        rows.append(Status(info, info.days_left(moment), state))
    return rows


def expected_names(policy: CertsPolicy, service: str) -> list[str]:
    """The names ``verify`` checks by default: the policy's SANs and IPs for the service."""
    entry = _policy_service(policy, service)
    if entry is None:
        return []
    return [*entry.sans, *entry.ips]
