from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

SETTINGS_PY = """
from __future__ import annotations

from pydantic import BaseModel, Field, SecretStr

from gatekeeper.service.config import ServiceSettings


class Limits(BaseModel):
    max_body: int = Field(default=10, gt=0)
    ratio: float = 0.5


class Database(BaseModel):
    url: str = "postgres://db"
    password: SecretStr | None = None


class Settings(ServiceSettings):
    port: int = Field(ge=0, le=65535)
    name: str = "svc"
    tags: list[str] = []
    limits: Limits = Limits()
    database: Database = Database()
    api_key: SecretStr = Field(min_length=8)
"""

MakeService = Callable[..., Path]


@pytest.fixture
def make_service(tmp_path: Path) -> MakeService:
    """A service directory: settings.py plus config files given as {name: toml text}."""

    def make(files: dict[str, str], settings: str = SETTINGS_PY, name: str = "demo_svc") -> Path:
        directory = tmp_path / name
        (directory / "config").mkdir(parents=True)
        (directory / "settings.py").write_text(settings)
        for file, text in files.items():
            (directory / "config" / f"{file}.toml").write_text(textwrap.dedent(text))
        return directory

    return make
