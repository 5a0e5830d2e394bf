"""SARIF output validates against the official SARIF 2.1.0 JSON schema.

The schema is read from ``$GATEKEEPER_SARIF_SCHEMA`` or ``../shared/data/schemas/`` next to the
repository (where CI keeps it). When neither exists the test still runs: it validates the
structure gatekeeper relies on and prints a notice in the terminal summary saying the official
schema was not used.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import jsonschema  # type: ignore[import-untyped]
import pytest

from gatekeeper.model import Report
from gatekeeper.report import render
from tests.report.conftest import NOTICES, REPO_ROOT, failing_report

SCHEMA_ENV = "GATEKEEPER_SARIF_SCHEMA"
DEFAULT_SCHEMA = REPO_ROOT.parent / "shared" / "data" / "schemas" / "sarif-schema-2.1.0.json"

#: What we rely on when the official schema is not available: a strict subset of SARIF 2.1.0.
STRUCTURAL: dict[str, Any] = {
    "type": "object",
    "required": ["version", "runs"],
    "properties": {
        "version": {"const": "2.1.0"},
        "runs": {
            "type": "array",
            "minItems": 1,
            "maxItems": 1,
            "items": {
                "type": "object",
                "required": ["tool", "results"],
                "properties": {
                    "tool": {
                        "type": "object",
                        "required": ["driver"],
                        "properties": {
                            "driver": {
                                "type": "object",
                                "required": ["name", "rules"],
                                "properties": {
                                    "rules": {
                                        "type": "array",
                                        "items": {"type": "object", "required": ["id"]},
                                    }
                                },
                            }
                        },
                    },
                    "results": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "required": ["ruleId", "level", "message", "partialFingerprints"],
                            "properties": {
                                "level": {"enum": ["none", "note", "warning", "error"]},
                                "message": {"type": "object", "required": ["text"]},
                                "baselineState": {
                                    "enum": ["new", "unchanged", "updated", "absent"]
                                },
                                "suppressions": {
                                    "type": "array",
                                    "items": {
                                        "type": "object",
                                        "required": ["kind"],
                                        "properties": {"kind": {"enum": ["inSource", "external"]}},
                                    },
                                },
                            },
                        },
                    },
                },
            },
        },
    },
}


def schema_path() -> Path | None:
    env = os.environ.get(SCHEMA_ENV)
    if env:
        path = Path(env)
        assert path.is_file(), f"{SCHEMA_ENV}={env} does not name a file"
        return path
    return DEFAULT_SCHEMA if DEFAULT_SCHEMA.is_file() else None


@pytest.fixture(scope="module")
def validator() -> jsonschema.protocols.Validator:
    path = schema_path()
    if path is None:
        notice = (
            f"SARIF: official schema not found (set {SCHEMA_ENV} or provide {DEFAULT_SCHEMA}); "
            "validated against the built-in structural subset only."
        )
        NOTICES.append(notice)
        print(notice)
        schema = STRUCTURAL
    else:
        schema = json.loads(path.read_text(encoding="utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def test_sarif_validates(
    validator: jsonschema.protocols.Validator, named_report: tuple[str, Report]
) -> None:
    _, report = named_report
    doc = json.loads(render(report, "sarif"))
    errors = sorted(validator.iter_errors(doc), key=lambda e: list(e.absolute_path))
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors)


def test_validator_rejects_broken_sarif(validator: jsonschema.protocols.Validator) -> None:
    doc = json.loads(render(failing_report(), "sarif"))
    doc["runs"][0]["results"][0]["level"] = "fatal"
    assert list(validator.iter_errors(doc))


def test_structural_fallback_accepts_our_sarif(named_report: tuple[str, Report]) -> None:
    """The fallback used when the official schema is absent is itself exercised every run."""
    jsonschema.Draft7Validator.check_schema(STRUCTURAL)
    doc = json.loads(render(named_report[1], "sarif"))
    jsonschema.Draft7Validator(STRUCTURAL).validate(doc)
    doc["runs"][0]["tool"]["driver"].pop("rules")
    assert list(jsonschema.Draft7Validator(STRUCTURAL).iter_errors(doc))
