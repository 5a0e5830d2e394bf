from __future__ import annotations

import sys
from pathlib import Path

import pytest

from gatekeeper.errors import ConfigError
from gatekeeper.service.discover import load_service
from tests.service.conftest import MakeService


def test_loads_the_settings_class_and_environments(make_service: MakeService) -> None:
    directory = make_service({"production": "", "staging": "", "default": ""})
    service = load_service(directory)
    assert service.name == "demo-svc"
    assert service.environments == ("production", "staging")
    assert service.model.__name__ == "Settings"
    assert str(directory) not in sys.path


def test_repository_root_is_importable_meanwhile(make_service: MakeService, tmp_path: Path) -> None:
    (tmp_path / "shared_limits_mod.py").write_text("DEFAULT_PORT = 4242\n")
    settings = (
        "from gatekeeper.service.config import ServiceSettings\n"
        "from shared_limits_mod import DEFAULT_PORT\n"
        "class Settings(ServiceSettings):\n"
        "    port: int = DEFAULT_PORT\n"
    )
    directory = make_service({"production": ""}, settings=settings)
    service = load_service(directory, root=tmp_path)
    assert service.model.model_fields["port"].default == 4242
    assert str(tmp_path) not in sys.path


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        (None, "not a service directory: no settings.py"),
        ("raise RuntimeError('boom')\n", "settings.py failed to import: RuntimeError: boom"),
        ("Settings = 1\n", "has no class Settings derived from BaseSettings"),
        ("class Settings:\n    pass\n", "has no class Settings derived from BaseSettings"),
    ],
)
def test_convention_errors(make_service: MakeService, settings: str | None, message: str) -> None:
    directory = make_service({"production": ""}, settings=settings or "")
    if settings is None:
        (directory / "settings.py").unlink()
    with pytest.raises(ConfigError, match=message) as exc:
        load_service(directory)
    assert exc.value.exit_code == 2


def test_a_service_without_environments(make_service: MakeService) -> None:
    with pytest.raises(ConfigError, match="declares no environments"):
        load_service(make_service({"default": ""}))
