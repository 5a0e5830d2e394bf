"""``[audit]``: the dependency audit gate.

The runtime classes (generated into :mod:`gatekeeper.policy.runtime`); the pydantic schema that
validates them is :mod:`gatekeeper.policy.schema.audit`.
"""

from gatekeeper.policy.runtime import AuditPolicy

__all__ = ["AuditPolicy"]
