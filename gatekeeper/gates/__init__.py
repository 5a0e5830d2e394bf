"""Gate registry. Entries are import paths so that ``--help`` never imports a gate."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from gatekeeper.gates.interface import Gate

#: name → "module:Class", in the order reports list them.
GATES: dict[str, str] = {
    "coverage": "gatekeeper.gates.coverage.gate:CoverageGate",
    "audit": "gatekeeper.gates.audit:AuditGate",
    "config": "gatekeeper.gates.config:ConfigGate",
    "certs": "gatekeeper.gates.certs:CertsGate",
    "runtime": "gatekeeper.gates.runtime.gate:RuntimeGate",
    "workflows": "gatekeeper.gates.workflows.gate:WorkflowsGate",
    "supply_chain": "gatekeeper.gates.supply_chain.gate:SupplyChainGate",
    "sast": "gatekeeper.gates.sast.gate:SastGate",
    "secrets": "gatekeeper.gates.secrets.gate:SecretsGate",
}


def gate_class(name: str) -> type[Gate]:
    """The class registered as ``name``, imported now (raises KeyError for an unknown name)."""
    module_name, _, class_name = GATES[name].partition(":")
    cls: type[Gate] = getattr(importlib.import_module(module_name), class_name)
    return cls


def load_gate(name: str) -> Gate:
    """Instantiate the gate registered as ``name`` (raises KeyError for an unknown name)."""
    return gate_class(name)()
