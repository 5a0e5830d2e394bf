"""``[internal]``: what counts as an internal package and where it is served.

The runtime classes (generated into :mod:`gatekeeper.policy.runtime`); the pydantic schema that
validates them is :mod:`gatekeeper.policy.schema.internal`.
"""

from gatekeeper.policy.runtime import InternalPolicy

__all__ = ["InternalPolicy"]
