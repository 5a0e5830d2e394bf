"""``[coverage]``: the coverage gate.

The runtime classes (generated into :mod:`gatekeeper.policy.runtime`); the pydantic schema that
validates them is :mod:`gatekeeper.policy.schema.coverage`.
"""

from gatekeeper.policy.runtime import CoveragePolicy

__all__ = ["CoveragePolicy"]
