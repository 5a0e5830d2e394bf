"""SARIF output validates against the official SARIF 2.1.0 JSON schema: every golden file and a
freshly rendered report.

The schema is data we may not commit (see ``../shared/data/README.md``). It is read from
``$GATEKEEPER_SARIF_SCHEMA``, else from ``../shared/data/schemas/`` next to the repository, where
CI keeps it. When it is absent these tests are skipped with a reason naming the missing path
(``-ra`` lists it); there is no weaker check in its place.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import jsonschema  # type: ignore[import-untyped]
import pytest

from gatekeeper.model import Report
from gatekeeper.report import render
from tests.report.conftest import GOLDEN, REPO_ROOT, failing_report

SCHEMA_ENV = "GATEKEEPER_SARIF_SCHEMA"
DEFAULT_SCHEMA = REPO_ROOT.parent / "shared" / "data" / "schemas" / "sarif-schema-2.1.0.json"
GOLDEN_SARIF = sorted(GOLDEN.glob("*.sarif"))


def schema_path() -> Path:
    env = os.environ.get(SCHEMA_ENV)
    if env:
        path = Path(env)
        assert path.is_file(), f"{SCHEMA_ENV}={env} does not name a file"
        return path
    if not DEFAULT_SCHEMA.is_file():
        pytest.skip(
            f"official SARIF 2.1.0 schema not found at {DEFAULT_SCHEMA} (set {SCHEMA_ENV}): "
            "SARIF output was NOT validated"
        )
    return DEFAULT_SCHEMA


@pytest.fixture(scope="module")
def validator() -> jsonschema.protocols.Validator:
    schema = json.loads(schema_path().read_text(encoding="utf-8"))
    assert schema.get("$id", "").endswith("sarif-schema-2.1.0.json")
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def _errors(validator: jsonschema.protocols.Validator, doc: object) -> str:
    errors = sorted(validator.iter_errors(doc), key=lambda e: list(e.absolute_path))
    return "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors)


def test_there_are_golden_sarif_files() -> None:
    assert [p.name for p in GOLDEN_SARIF] == ["failing.sarif.sarif", "passing.sarif.sarif"]


@pytest.mark.parametrize("path", GOLDEN_SARIF, ids=lambda p: p.name)
def test_golden_sarif_validates(validator: jsonschema.protocols.Validator, path: Path) -> None:
    doc = json.loads(path.read_text(encoding="utf-8"))
    assert not (problems := _errors(validator, doc)), problems


def test_rendered_sarif_validates(
    validator: jsonschema.protocols.Validator, named_report: tuple[str, Report]
) -> None:
    _, report = named_report
    doc = json.loads(render(report, "sarif"))
    assert not (problems := _errors(validator, doc)), problems


def test_validator_rejects_broken_sarif(validator: jsonschema.protocols.Validator) -> None:
    doc = json.loads(render(failing_report(), "sarif"))
    doc["runs"][0]["results"][0]["level"] = "fatal"
    assert _errors(validator, doc)
    doc = json.loads(render(failing_report(), "sarif"))
    doc["runs"][0]["tool"]["driver"]["rules"][0]["properties"]["tags"] = "security"
    assert _errors(validator, doc)
