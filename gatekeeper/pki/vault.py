"""The CA on Vault or OpenBao's PKI secrets engine, through hvac.

One :class:`hvac.Client` (one HTTP connection pool) serves every call. Each call is retried with
bounded exponential backoff and jitter while Vault is unreachable or sealed, then fails with
:class:`BackendUnavailable` (exit 3). A 401/403 is an :class:`AuthenticationError` (exit 3);
the token never appears in any message.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from functools import partial
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urlsplit

import hvac
import hvac.exceptions as hv
import requests

from gatekeeper.duration import parse_duration
from gatekeeper.errors import (
    AuthenticationError,
    BackendError,
    BackendUnavailable,
    CertificateError,
    ConfigError,
)
from gatekeeper.net import is_loopback
from gatekeeper.pki.interface import (
    CertificateAuthority,
    CertificateRequest,
    InitResult,
    IssuedCertificate,
    RootBundle,
    normalize_serial,
)
from gatekeeper.pki.retry import RetryPolicy, call_with_retry

if TYPE_CHECKING:
    from gatekeeper.pki.settings import VaultSettings
    from gatekeeper.policy.certs import CertsCA, CertsRole

T = TypeVar("T")

_TRANSIENT: tuple[type[BaseException], ...] = (
    requests.ConnectionError,
    requests.Timeout,
    hv.VaultDown,
    hv.BadGateway,
)
_KEY_BITS = {"ec": 256, "rsa": 2048, "ed25519": 0}


class _TLSFailure(Exception):
    """The server's certificate did not verify."""


def _first_line(exc: BaseException) -> str:
    """hvac messages end with ", on <method> <url>"; keep the server's reason only."""
    text = str(exc).split(", on ", 1)[0].strip()
    return text or exc.__class__.__name__


def role_name(role: str, key_type: str) -> str:
    """One Vault role per policy role and key type: Vault roles generate a single key type."""
    return f"{role}-{key_type}"


def role_params(role: CertsRole, key_type: str) -> dict[str, Any]:
    """The Vault role parameters for a policy role, as Vault reads them back."""
    return {
        "allowed_domains": list(role.allowed_domains),
        "allow_subdomains": role.allow_subdomains,
        "allow_bare_domains": role.allow_bare_domains,
        "allow_localhost": role.allow_localhost,
        "allow_ip_sans": role.allow_ip_sans,
        "allow_wildcard_certificates": role.allow_wildcard,
        "allow_glob_domains": False,
        "allow_any_name": False,
        "enforce_hostnames": True,
        "server_flag": True,
        "client_flag": True,
        "key_type": key_type,
        "key_bits": _KEY_BITS[key_type],
        "max_ttl": parse_duration(role.max_ttl),
        "ttl": parse_duration(role.default_ttl),
        "no_store": role.no_store,
        "generate_lease": False,
    }


class VaultCA(CertificateAuthority):
    backend = "vault"
    #: Concurrent issuance requests for ``--all``: Vault is the bottleneck, not us.
    workers = 4

    def __init__(self, settings: VaultSettings, sleep: Callable[[float], None] = time.sleep):
        if not settings.addr:
            raise ConfigError("VAULT_ADDR is not set")
        parts = urlsplit(settings.addr)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ConfigError("VAULT_ADDR must be an http(s) URL", hint=f"got {settings.addr!r}")
        if parts.scheme == "http" and not is_loopback(parts.hostname):
            raise ConfigError(
                "VAULT_ADDR uses plain HTTP to a non-loopback host: TLS is required",
                hint="use https:// (and VAULT_CACERT for a private CA)",
            )
        verify: bool | str = True
        if settings.cacert is not None:
            if not settings.cacert.is_file():
                raise ConfigError("VAULT_CACERT does not name a file", path=settings.cacert)
            verify = str(settings.cacert)
        self.addr = settings.addr.rstrip("/")
        self.settings = settings
        self._sleep = sleep
        self._retry = RetryPolicy(settings.retries, settings.backoff, settings.backoff_max)
        self._root_pem: bytes | None = None
        self.client = hvac.Client(
            url=self.addr, namespace=settings.namespace, verify=verify, timeout=settings.timeout
        )
        if settings.token is not None:
            self.client.token = settings.token.get_secret_value()
        elif settings.role_id and settings.secret_id is not None:
            secret_id = settings.secret_id.get_secret_value()
            try:
                self._call(
                    "AppRole login",
                    lambda: self.client.auth.approle.login(
                        role_id=settings.role_id,
                        secret_id=secret_id,
                        mount_point=settings.approle_mount,
                    ),
                )
            except CertificateError:  # Vault answers 400 to a wrong role or secret ID
                raise AuthenticationError(
                    "Vault refused the AppRole login: invalid role ID or secret ID",
                    hint="check VAULT_ROLE_ID and VAULT_SECRET_ID",
                ) from None
        else:
            raise ConfigError(
                "no Vault credentials: set VAULT_TOKEN, or VAULT_ROLE_ID and VAULT_SECRET_ID"
            )

    # ------------------------------------------------------------------ plumbing
    def _call(self, what: str, fn: Callable[[], T]) -> T:
        def guarded() -> T:
            try:
                return fn()
            except requests.exceptions.SSLError:  # not transient: never retried
                raise _TLSFailure from None

        try:
            return call_with_retry(guarded, self._retry, _TRANSIENT, self._sleep)
        except _TLSFailure:
            raise BackendError(
                f"TLS verification of Vault at {self.addr} failed ({what})",
                hint="set VAULT_CACERT to the CA that signed Vault's certificate",
            ) from None
        except (requests.ConnectionError, requests.Timeout):
            raise BackendUnavailable(
                f"Vault at {self.addr} is unreachable ({what}) after "
                f"{self._retry.attempts} attempts",
                hint="check VAULT_ADDR and that the server is running",
            ) from None
        except (hv.VaultDown, hv.BadGateway):
            raise BackendUnavailable(
                f"Vault at {self.addr} is sealed or unavailable ({what}) after "
                f"{self._retry.attempts} attempts",
                hint="unseal it or wait for it to come back",
            ) from None
        except (hv.Forbidden, hv.Unauthorized):
            raise AuthenticationError(
                f"Vault denied {what}: permission denied",
                hint="the token or AppRole credentials are invalid, expired, revoked, "
                "or lack a policy for this path",
            ) from None
        except hv.InvalidRequest as exc:
            reason = _first_line(exc)
            if "unknown role" in reason or "no default issuer" in reason:
                raise ConfigError(
                    f"Vault refused {what}: {reason}", hint="run `gatekeeper certs init`"
                ) from None
            raise CertificateError(f"Vault refused {what}: {reason}") from None
        except hv.InvalidPath:
            raise ConfigError(
                f"Vault has no such path ({what})",
                hint="is the PKI engine mounted? run `gatekeeper certs init`",
            ) from None
        except hv.VaultError as exc:
            raise BackendError(f"Vault failed ({what}): {_first_line(exc)}") from None

    def _ca_pem(self, mount: str) -> str | None:
        """The mount's default issuer certificate, or None when it has none yet."""

        def read() -> str | None:
            try:
                response = self.client.adapter.get(f"/v1/{mount}/cert/ca")
            except hv.InvalidRequest:
                return None
            pem: str = response["data"]["certificate"]
            return pem or None

        return self._call(f"reading the CA of {mount}", read)

    # ------------------------------------------------------------------ init
    def init(
        self, ca: CertsCA, roles: Mapping[str, CertsRole], root: RootBundle | None = None
    ) -> InitResult:
        s = self.settings
        actions: list[str] = []
        mounts = self._call("listing mounts", self.client.sys.list_mounted_secrets_engines)
        existing = mounts.get("data", mounts)
        current_root = self._ca_pem(s.root_mount) if f"{s.root_mount}/" in existing else None
        if root is not None and current_root is not None:
            from gatekeeper.pki.rootbundle import refuse_other_root

            refuse_other_root(
                current_root.encode(),
                root,
                f"the Vault mount {s.root_mount}",
                "GATEKEEPER_PKI_ROOT_MOUNT",
            )
        for mount, ttl in ((s.root_mount, ca.root_ttl), (s.int_mount, ca.intermediate_ttl)):
            seconds = parse_duration(ttl)
            if f"{mount}/" not in existing:
                self._call(
                    f"mounting {mount}",
                    partial(
                        self.client.sys.enable_secrets_engine,
                        "pki",
                        path=mount,
                        config={"max_lease_ttl": f"{seconds}s"},
                    ),
                )
                actions.append(f"mounted the PKI engine at {mount}")
            elif existing[f"{mount}/"]["config"]["max_lease_ttl"] != seconds:
                self._call(
                    f"tuning {mount}",
                    partial(
                        self.client.sys.tune_mount_configuration,
                        mount,
                        max_lease_ttl=f"{seconds}s",
                    ),
                )
                actions.append(f"tuned {mount} max_lease_ttl to {ttl}")
        if current_root is None and root is not None:
            bundle = (root.certificate_pem + root.private_key_pem).decode()
            self._call(
                "importing the root CA",
                lambda: self.client.secrets.pki.submit_ca_information(
                    bundle, mount_point=s.root_mount
                ),
            )
            actions.append(f"imported the root CA {root.subject} ({root.fingerprint})")
        elif current_root is None:
            self._call(
                "generating the root CA",
                lambda: self.client.secrets.pki.generate_root(
                    "internal",
                    ca.root_common_name,
                    extra_params={
                        "ttl": f"{parse_duration(ca.root_ttl)}s",
                        "key_type": "ec",
                        "key_bits": 384,
                        "organization": ca.organization,
                    },
                    mount_point=s.root_mount,
                ),
            )
            actions.append("generated the root CA")
        if self._ca_pem(s.int_mount) is None:
            actions.append(self._make_intermediate(ca))
        base = (ca.url_base or self.addr).rstrip("/")
        for mount in (s.root_mount, s.int_mount):
            urls = {
                "issuing_certificates": [f"{base}/v1/{mount}/ca"],
                "crl_distribution_points": [f"{base}/v1/{mount}/crl"],
            }
            current = self._call(
                f"reading URLs of {mount}",
                partial(self.client.secrets.pki.read_urls, mount_point=mount),
            )["data"]
            if any(current.get(k) != v for k, v in urls.items()):
                self._call(
                    f"setting URLs of {mount}",
                    partial(self.client.secrets.pki.set_urls, urls, mount_point=mount),
                )
                actions.append(f"set the issuing and CRL URLs of {mount}")
        for name, role in roles.items():
            for key_type in role.key_types:
                actions.extend(
                    self._ensure_role(role_name(name, key_type), role_params(role, key_type))
                )
        return InitResult(tuple(actions), self.backend, self.addr)

    def _make_intermediate(self, ca: CertsCA) -> str:
        s = self.settings
        csr = self._call(
            "generating the intermediate CSR",
            lambda: self.client.secrets.pki.generate_intermediate(
                "internal",
                ca.intermediate_common_name,
                extra_params={"key_type": "ec", "key_bits": 256, "organization": ca.organization},
                mount_point=s.int_mount,
            ),
        )["data"]["csr"]
        params: dict[str, str] = {"format": "pem_bundle", "organization": ca.organization}
        params.update(self._intermediate_lifetime(parse_duration(ca.intermediate_ttl)))
        signed = self._call(
            "signing the intermediate CA",
            lambda: self.client.secrets.pki.sign_intermediate(
                csr, ca.intermediate_common_name, extra_params=params, mount_point=s.root_mount
            ),
        )["data"]["certificate"]
        self._call(
            "installing the intermediate CA",
            lambda: self.client.secrets.pki.set_signed_intermediate(
                signed, mount_point=s.int_mount
            ),
        )
        return "generated and signed the intermediate CA"

    def _intermediate_lifetime(self, ttl: int) -> dict[str, str]:
        """``ttl``, or the root's own end when the root expires sooner: Vault would otherwise
        sign an intermediate that outlives its (imported, shorter-lived) root."""
        import datetime as dt

        from cryptography import x509

        pem = self._ca_pem(self.settings.root_mount) or ""
        root_end = x509.load_pem_x509_certificate(pem.encode()).not_valid_after_utc
        if dt.datetime.now(dt.UTC) + dt.timedelta(seconds=ttl) > root_end:
            return {"not_after": root_end.strftime("%Y-%m-%dT%H:%M:%SZ")}
        return {"ttl": f"{ttl}s"}

    def _ensure_role(self, name: str, params: dict[str, Any]) -> list[str]:
        def read() -> dict[str, Any] | None:
            try:
                data: dict[str, Any] = self.client.secrets.pki.read_role(
                    name, mount_point=self.settings.int_mount
                )["data"]
            except hv.InvalidPath:
                return None
            return data

        current = self._call(f"reading role {name}", read)
        if current is not None and all(current.get(k) == v for k, v in params.items()):
            return []
        self._call(
            f"writing role {name}",
            lambda: self.client.secrets.pki.create_or_update_role(
                name, extra_params=params, mount_point=self.settings.int_mount
            ),
        )
        return [f"{'created' if current is None else 'updated'} role {name}"]

    # ------------------------------------------------------------------ issue
    def issue(self, request: CertificateRequest) -> IssuedCertificate:
        root = self.trust_bundle()
        name = role_name(request.role, request.key_type)
        data = self._call(
            f"issuing a certificate for {request.common_name}",
            lambda: self.client.secrets.pki.generate_certificate(
                name,
                request.common_name,
                extra_params={
                    "alt_names": ",".join(request.dns_names),
                    "ip_sans": ",".join(request.ip_addresses),
                    "ttl": f"{request.ttl_seconds}s",
                    "private_key_format": "pkcs8",
                },
                mount_point=self.settings.int_mount,
            ),
        )["data"]
        chain = [p.strip() for p in data.get("ca_chain") or [data["issuing_ca"]]]
        intermediates = [p for p in chain if p.encode() != root.strip()]
        return IssuedCertificate(
            private_key_pem=(data["private_key"].strip() + "\n").encode(),
            certificate_pem=(data["certificate"].strip() + "\n").encode(),
            chain_pem="".join(p + "\n" for p in intermediates).encode(),
            ca_pem=root,
            serial=normalize_serial(data["serial_number"]),
        )

    # ------------------------------------------------------------------ revoke / CRL
    def revoke(self, serial: str) -> None:
        wanted = normalize_serial(serial)
        self._call(
            f"revoking {wanted}",
            lambda: self.client.secrets.pki.revoke_certificate(
                wanted, mount_point=self.settings.int_mount
            ),
        )

    def crl_pem(self) -> bytes:
        text: str = self._call(
            "reading the CRL",
            lambda: self.client.secrets.pki.read_crl(mount_point=self.settings.int_mount),
        )
        return (text.strip() + "\n").encode()

    def trust_bundle(self) -> bytes:
        if self._root_pem is None:
            pem = self._ca_pem(self.settings.root_mount)
            if pem is None:
                raise ConfigError("Vault has no root CA yet", hint="run `gatekeeper certs init`")
            self._root_pem = (pem.strip() + "\n").encode()
        return self._root_pem

    def close(self) -> None:
        self.client.adapter.close()
