"""``[certs]``: the internal CA, issuance policy, and the certificate expiry gate.

The runtime classes (generated into :mod:`gatekeeper.policy.runtime`); the pydantic schema that
validates them is :mod:`gatekeeper.policy.schema.certs`.
"""

from gatekeeper.policy.runtime import CertsCA, CertsPolicy, CertsRole, CertsService, KeyType

__all__ = ["CertsCA", "CertsPolicy", "CertsRole", "CertsService", "KeyType"]
