"""Building blocks shared by every policy section.

The runtime classes (generated into :mod:`gatekeeper.policy.runtime`); the pydantic schema that
validates them is :mod:`gatekeeper.policy.schema.common`.
"""

from gatekeeper.policy.runtime import GateSection, Waiver

__all__ = ["GateSection", "Waiver"]
