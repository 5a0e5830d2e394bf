"""``[config]``: validation of each service's configuration.

The runtime classes (generated into :mod:`gatekeeper.policy.runtime`); the pydantic schema that
validates them is :mod:`gatekeeper.policy.schema.config`.
"""

from gatekeeper.policy.runtime import ConfigPolicy

__all__ = ["ConfigPolicy"]
