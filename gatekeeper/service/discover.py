"""Find a service's settings model and environments by convention.

A service is a directory with:

* ``settings.py`` defining ``Settings``, a subclass of pydantic-settings' ``BaseSettings``
  (normally of :class:`gatekeeper.service.config.ServiceSettings`);
* ``config/<env>.toml`` for every environment it runs in (and optionally ``config/default.toml``).

``settings.py`` is imported from its file (the repository root is on ``sys.path`` meanwhile, so
absolute imports of the repository's packages work); the service itself is never started.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import sys
from dataclasses import dataclass
from pathlib import Path

from pydantic_settings import BaseSettings

from gatekeeper.errors import ConfigError
from gatekeeper.service import tomlfiles
from gatekeeper.service.config import service_name
from gatekeeper.service.layout import CONFIG_DIR, SETTINGS_FILE

SETTINGS_CLASS = "Settings"


@dataclass(frozen=True)
class Service:
    name: str
    directory: Path
    model: type[BaseSettings]
    environments: tuple[str, ...]


def _describe(exc: BaseException) -> str:
    if isinstance(exc, SystemExit):
        return f"it called sys.exit({exc.code!r}) (importing a module must not end the program)"
    return f"{exc.__class__.__name__}: {exc}"


def load_service(directory: Path, root: Path | None = None) -> Service:
    """The service at ``directory``, or a :class:`ConfigError` saying what the convention wants."""
    settings_file = directory / SETTINGS_FILE
    if not settings_file.is_file():
        raise ConfigError(
            f"not a service directory: no {SETTINGS_FILE}",
            path=directory,
            hint=f"define class {SETTINGS_CLASS} in {SETTINGS_FILE}, and config/<env>.toml files",
        )
    digest = hashlib.sha256(str(settings_file.resolve()).encode()).hexdigest()[:16]
    module_name = f"_gatekeeper_settings_{digest}"
    spec = importlib.util.spec_from_file_location(module_name, settings_file)
    if spec is None or spec.loader is None:  # pragma: no cover - only for non-.py files
        raise ConfigError("cannot import settings", path=settings_file)
    module = importlib.util.module_from_spec(spec)
    search = str((root or directory).resolve())
    sys.path.insert(0, search)
    sys.modules[module_name] = module
    try:
        # Its prints go to stderr: stdout carries the command's own output.
        with contextlib.redirect_stdout(sys.stderr):
            spec.loader.exec_module(module)
    except KeyboardInterrupt:
        sys.modules.pop(module_name, None)
        raise
    except BaseException as exc:  # noqa: BLE001 - the repository's code: SystemExit included
        sys.modules.pop(module_name, None)
        raise ConfigError(
            f"{SETTINGS_FILE} failed to import: {_describe(exc)}", path=settings_file
        ) from None
    finally:
        sys.path.remove(search)
    model = getattr(module, SETTINGS_CLASS, None)
    if not (isinstance(model, type) and issubclass(model, BaseSettings)):
        raise ConfigError(
            f"{SETTINGS_FILE} has no class {SETTINGS_CLASS} derived from BaseSettings",
            path=settings_file,
        )
    environments = tomlfiles.environments(directory / CONFIG_DIR)
    if not environments:
        raise ConfigError(
            "the service declares no environments",
            path=directory / CONFIG_DIR,
            hint="add config/<env>.toml for each environment (development, staging, production)",
        )
    return Service(service_name(directory), directory, model, environments)
