"""The policy: one validated object, built once per run.

The runtime classes (generated into :mod:`gatekeeper.policy.runtime`); the pydantic schema that
validates them is :mod:`gatekeeper.policy.schema.model`.
"""

from gatekeeper.policy.runtime import Policy

__all__ = ["Policy"]
