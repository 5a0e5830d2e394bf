"""The internal CA: issue, renew, revoke and inspect service certificates.

Python API (the ``certs`` commands are thin wrappers around it)::

    from gatekeeper.pki import open_authority, store_for, init_ca, issue_service

    policy = load_policy(root).policy.certs
    with open_authority(policy) as ca:          # Vault/OpenBao if VAULT_ADDR is set, else local
        init_ca(ca, policy)                      # idempotent
        issued = issue_service(ca, store_for(root, policy), policy, "api", sans=["localhost"])
        # → root/certs/api/{key,cert,chain,fullchain}.pem and root/certs/ca.pem

Names are imported lazily so that importing the package stays cheap.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from gatekeeper.pki.factory import open_authority
    from gatekeeper.pki.inspect import CertInfo, read_info
    from gatekeeper.pki.interface import (
        CertificateAuthority,
        CertificateRequest,
        InitResult,
        IssuedCertificate,
    )
    from gatekeeper.pki.operations import (
        Issued,
        Renewal,
        Status,
        init_ca,
        issue_all,
        issue_many,
        issue_service,
        make_request,
        renew,
        revoke,
        status,
        store_for,
    )
    from gatekeeper.pki.store import CertStore
    from gatekeeper.pki.verify import Verification, verify_service

_EXPORTS = {
    "open_authority": "factory",
    "CertInfo": "inspect",
    "read_info": "inspect",
    "CertificateAuthority": "interface",
    "CertificateRequest": "interface",
    "InitResult": "interface",
    "IssuedCertificate": "interface",
    "Issued": "operations",
    "Renewal": "operations",
    "Status": "operations",
    "init_ca": "operations",
    "issue_all": "operations",
    "issue_many": "operations",
    "issue_service": "operations",
    "make_request": "operations",
    "renew": "operations",
    "revoke": "operations",
    "status": "operations",
    "store_for": "operations",
    "CertStore": "store",
    "Verification": "verify",
    "verify_service": "verify",
}

__all__ = [
    "CertInfo",
    "CertStore",
    "CertificateAuthority",
    "CertificateRequest",
    "InitResult",
    "Issued",
    "IssuedCertificate",
    "Renewal",
    "Status",
    "Verification",
    "init_ca",
    "issue_all",
    "issue_many",
    "issue_service",
    "make_request",
    "open_authority",
    "read_info",
    "renew",
    "revoke",
    "status",
    "store_for",
    "verify_service",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'gatekeeper.pki' has no attribute {name!r}")
    return getattr(importlib.import_module(f"gatekeeper.pki.{module}"), name)
