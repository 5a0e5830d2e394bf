"""``[certs]``: the internal CA, issuance policy, and the certificate expiry gate."""

from __future__ import annotations

import ipaddress
import re
from typing import Literal

from pydantic import Field, field_validator, model_validator

from gatekeeper.duration import parse_duration
from gatekeeper.model import Severity
from gatekeeper.policy.schema.common import GateSection, Strict

KeyType = Literal["ec", "rsa", "ed25519"]
_ALL_KEY_TYPES: tuple[KeyType, ...] = ("ec", "rsa", "ed25519")
_SERVICE_NAME = re.compile(r"^[a-z0-9](?:[a-z0-9_-]{0,61}[a-z0-9])?$")


def _duration(value: str) -> str:
    parse_duration(value)  # raises ValueError → a policy error that names the key and line
    return value


class CertsRole(Strict):
    """What a certificate issued under this role may contain (a Vault PKI role)."""

    #: Domains names may be in: subdomains need allow_subdomains, the domain allow_bare_domains.
    allowed_domains: list[str] = Field(default_factory=lambda: ["internal"])
    allow_subdomains: bool = True
    allow_bare_domains: bool = False
    #: Allow the name "localhost".
    allow_localhost: bool = True
    #: Allow IP address SANs.
    allow_ip_sans: bool = True
    #: Allow wildcard names such as "*.api.internal".
    allow_wildcard: bool = False
    #: Key types a certificate may use; the first is the default.
    key_types: list[KeyType] = Field(default_factory=lambda: list(_ALL_KEY_TYPES), min_length=1)
    #: Longest lifetime a request may ask for, and the lifetime when it asks for none.
    max_ttl: str = "397d"
    default_ttl: str = "90d"
    #: Do not store issued certificates in the CA (short-lived ones; no revoking by serial).
    no_store: bool = False

    _check_ttl = field_validator("max_ttl", "default_ttl")(_duration)

    @field_validator("allowed_domains")
    @classmethod
    def _domains(cls, value: list[str]) -> list[str]:
        cleaned = [d.strip().lower().strip(".") for d in value]
        if any(not d or "*" in d for d in cleaned):
            raise ValueError("allowed domains must be non-empty names without wildcards")
        return cleaned

    @model_validator(mode="after")
    def _ttl_order(self) -> CertsRole:
        if parse_duration(self.default_ttl) > parse_duration(self.max_ttl):
            raise ValueError("default_ttl is longer than max_ttl")
        return self


class CertsService(Strict):
    """One service `gatekeeper certs issue --all` issues a certificate for."""

    name: str
    #: DNS names; empty means "<name>.<first allowed domain of the role>".
    sans: list[str] = Field(default_factory=list)
    #: IP address SANs.
    ips: list[str] = Field(default_factory=list)
    #: The role it is issued under; unset: "service", else the first role.
    role: str | None = None
    key_type: KeyType | None = None
    ttl: str | None = None

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not _SERVICE_NAME.match(value):
            raise ValueError("service names are lowercase letters, digits, '-' and '_'")
        return value

    @field_validator("ips")
    @classmethod
    def _ips(cls, value: list[str]) -> list[str]:
        return [str(ipaddress.ip_address(v)) for v in value]

    @field_validator("ttl")
    @classmethod
    def _ttl(cls, value: str | None) -> str | None:
        return None if value is None else _duration(value)


class CertsCA(Strict):
    """The CA hierarchy `gatekeeper certs init` creates (both backends)."""

    root_common_name: str = "Gatekeeper Internal Root CA"
    intermediate_common_name: str = "Gatekeeper Internal Issuing CA"
    organization: str = "Gatekeeper"
    root_ttl: str = "3650d"
    intermediate_ttl: str = "1825d"
    #: Vault only: the base URL clients reach Vault at, for the issuing-certificate and CRL URLs
    #: written into certificates. Empty: the VAULT_ADDR in use.
    url_base: str = ""

    _check_ttl = field_validator("root_ttl", "intermediate_ttl")(_duration)


class CertsPolicy(GateSection):
    #: Expiring certificates warn (medium) and fail (high): only the latter blocks by default.
    fail_on: Severity = Severity.HIGH
    #: Where certificates are written, relative to the repository root.
    dir: str = "certs"
    #: Warn when a certificate has fewer days left than this.
    warn_days: int = Field(default=30, ge=0)
    #: Fail when it has fewer days left than this.
    fail_days: int = Field(default=7, ge=0)
    #: "auto": Vault/OpenBao when VAULT_ADDR is set, else the local CA.
    backend: Literal["auto", "local", "vault"] = "auto"
    #: Renew when less than this fraction of the lifetime is left.
    renew_fraction: float = Field(default=1 / 3, gt=0, lt=1)
    #: Randomize the renewal point by up to this fraction of the window, so fleets spread out.
    renew_jitter: float = Field(default=0.1, ge=0, lt=1)
    ca: CertsCA = Field(default_factory=CertsCA)
    roles: dict[str, CertsRole] = Field(default_factory=lambda: {"service": CertsRole()})
    services: list[CertsService] = Field(default_factory=list)

    @field_validator("dir")
    @classmethod
    def _relative_dir(cls, value: str) -> str:
        parts = value.replace("\\", "/").split("/")
        if not value or value.startswith(("/", "~")) or ".." in parts or ":" in value:
            raise ValueError("dir must be a relative path inside the repository")
        return value

    @field_validator("roles")
    @classmethod
    def _role_names(cls, value: dict[str, CertsRole]) -> dict[str, CertsRole]:
        if not value:
            raise ValueError("at least one role is required")
        bad = [name for name in value if not _SERVICE_NAME.match(name)]
        if bad:
            raise ValueError(f"invalid role name {bad[0]!r}: use lowercase letters, digits, '-'")
        return value

    @model_validator(mode="after")
    def _references(self) -> CertsPolicy:
        names = [s.name for s in self.services]
        if len(names) != len(set(names)):
            raise ValueError("services: a service name appears twice")
        missing = sorted({s.role for s in self.services if s.role} - set(self.roles))
        if missing:
            raise ValueError(f"services: unknown role {', '.join(missing)}")
        return self
