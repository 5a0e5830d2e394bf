"""The runtime policy classes are generated from the pydantic schema and never drift from it."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from dataclasses import is_dataclass
from pathlib import Path
from typing import Any, Literal

import pytest
from pydantic import BaseModel

import gatekeeper.policy as policy_package
from gatekeeper.policy import codegen, runtime
from gatekeeper.policy.common import GateSection
from gatekeeper.policy.model import Policy
from gatekeeper.policy.schema.model import Policy as PolicySchema


def test_committed_runtime_is_fresh() -> None:
    assert codegen.TARGET.read_text("utf-8") == codegen.generate()


def test_check_flag_and_writing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert codegen.main(["--check"]) == 0
    target = tmp_path / "runtime.py"
    monkeypatch.setattr(codegen, "TARGET", target)
    assert codegen.main(["--check"]) == 1  # missing
    assert codegen.main([]) == 0
    assert target.read_text("utf-8") == codegen.generate()
    target.write_text("stale", "utf-8")
    assert codegen.main(["--check"]) == 1


@pytest.mark.slow
def test_module_entry_point() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "gatekeeper.policy.codegen", "--check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_every_schema_class_has_a_runtime_twin_with_the_same_fields() -> None:
    for model in codegen.models():
        twin: Any = getattr(runtime, model.__name__)
        assert not is_dataclass(twin)  # plain classes: no dataclass machinery at start-up
        assert twin.FIELDS == tuple(model.model_fields)
        assert len(set(twin.FIELDS)) == len(twin.FIELDS)
        # Defaults agree: the runtime default equals the JSON form of the schema default.
        required = {n for n, i in model.model_fields.items() if i.is_required()}
        if not required:
            assert twin() == twin.from_json(model().model_dump(mode="json"))
    assert issubclass(runtime.AuditPolicy, GateSection)
    full = {
        "waiver": [{"id": "CVE-1", "reason": "r", "expires": "2030-01-01"}],
        "certs": {"services": [{"name": "api"}]},
    }
    for data in ({}, full):  # to_json is from_json's inverse, nested classes included
        dumped = PolicySchema.model_validate(data).model_dump(mode="json")
        assert Policy.from_json(dumped).to_json() == dumped
    section = runtime.GateSection(enabled=False)
    assert runtime.GateSection.from_json(section.to_json()) == section
    assert (
        repr(section)
        == "GateSection(enabled=False, fail_on=<Severity.LOW: 'low'>, fail_on_dev=True)"
    )
    assert section != runtime.GateSection() and section != "GateSection"
    assert Policy() == Policy.from_json(PolicySchema().model_dump(mode="json"))


def test_section_modules_export_the_schema_classes() -> None:
    schema_dir = Path(policy_package.__file__).parent / "schema"
    for path in sorted(schema_dir.glob("*.py")):
        if path.stem == "__init__":
            continue
        schema = __import__(f"gatekeeper.policy.schema.{path.stem}", fromlist=["_"])
        public = __import__(f"gatekeeper.policy.{path.stem}", fromlist=["_"])
        names = {
            n
            for n, v in vars(schema).items()
            if isinstance(v, type) and issubclass(v, BaseModel) and v.__module__ == schema.__name__
        }
        names.discard("Strict")  # the pydantic base: no runtime twin needed
        assert names <= set(public.__all__), path.stem
        for name in names:
            assert getattr(public, name) is getattr(runtime, name)


def test_field_comments_are_kept() -> None:
    source = codegen.TARGET.read_text("utf-8")
    assert "    #: Required branch coverage in percent.\n    branches: Final[float]\n" in source
    # a default a subclass overrides keeps its comment, next to the overriding default
    comment = "#: Whether findings in dev dependencies fail the gate (they are always reported)."
    assert f"        {comment}\n        fail_on_dev: bool = False,\n" in source
    assert "SCHEMA_DIGEST" in source


class _Sub(BaseModel):
    x: int = 1


class _Empty(BaseModel):
    pass


def test_type_and_value_rendering() -> None:
    assert codegen.type_source(Literal["a", "b"]) == 'Literal["a", "b"]'
    assert codegen.type_source(dict[str, _Sub]) == "dict[str, _Sub]"
    assert codegen.type_source(int | None) == "int | None"
    assert codegen.value_source(_Sub(x=2)) == "_Sub(x=2)"
    assert codegen.value_source({"a": [1.5, None]}) == '{"a": [1.5, None]}'
    assert codegen.convert_source(dict[str, int], "d") == "dict(d)"
    assert codegen.convert_source(list[_Sub], "d") == "[_Sub.from_json(v) for v in d]"


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: codegen.type_source(dt.datetime), "unsupported field type"),
        (lambda: codegen.type_source(bytes), "unsupported field type"),
        (lambda: codegen.value_source(b"x"), "unsupported default"),
        (lambda: codegen.convert_source(_Sub | None, "v"), "unsupported union"),
    ],
)
def test_unsupported_shapes_are_refused(call: object, message: str) -> None:
    with pytest.raises(TypeError, match=message):
        call()  # type: ignore[operator]


def test_models_order_puts_dependencies_first() -> None:
    names = [m.__name__ for m in codegen.models()]
    assert names.index("GateSection") < names.index("AuditPolicy")
    assert names.index("CertsRole") < names.index("CertsPolicy") < names.index("Policy")
    assert names[-1] == "Policy"
    assert "Strict" not in names


def test_a_model_without_fields_of_its_own() -> None:
    source = codegen._class_source(_Empty, [])
    assert "class _Empty(Record):" in source
    assert "        return cls(\n        )" in source
    namespace: dict[str, object] = {}
    exec(  # noqa: S102  # nosec B102  # the generator's own output, to prove it is valid Python
        "from typing import Any, ClassVar, Final\nfrom collections.abc import Mapping\n"
        "from gatekeeper.policy.runtime import Record\n" + source,
        namespace,
    )
    empty: Any = namespace["_Empty"]
    assert empty() == empty.from_json({}) and empty().to_json() == {}
    assert repr(empty()) == "_Empty()"
