"""gatekeeper: one security and CI policy for an organization's Python services."""

__version__ = "0.1.0"
