"""The policy schema: pydantic models, the single source of truth for validation.

``python -m gatekeeper.policy.codegen`` generates the runtime classes (plain dataclasses in
:mod:`gatekeeper.policy.runtime`) from these models.
"""
