"""Service settings: one model per service, and the one function that reads them.

A service declares its settings as a subclass of :class:`ServiceSettings` in
``<service>/settings.py`` (class ``Settings``) and its environments as
``<service>/config/<env>.toml`` files. :func:`load_settings` builds the settings from, lowest
precedence first:

1. the model's defaults;
2. ``config/default.toml``;
3. ``config/<env>.toml``, where ``<env>`` is ``APP_ENV`` (merge rule: :mod:`.tomlfiles`);
4. secret files: one file per setting, named after the field, in ``APP_SECRETS_DIR``
   (default ``/run/secrets`` when that directory exists);
5. a Vault/OpenBao KV v2 secret, when ``VAULT_ADDR`` is set (:mod:`.vault`);
6. environment variables: the model's ``env_prefix`` (``APP_``) plus the field name in upper case,
   ``__`` between nested fields (``APP_PORT``, ``APP_LIMITS__MAX_BODY``).

Every missing or invalid setting is reported at once, each with the variable that would set it,
followed by a ``Usage: APP_ENV=... APP_X=<x>`` line. Values are never part of any message.
"""

from __future__ import annotations

import inspect
import os
import re
import typing
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, SecretBytes, SecretStr, ValidationError
from pydantic_settings import BaseSettings, EnvSettingsSource, SettingsConfigDict
from pydantic_settings import SettingsError as SourceError
from pydantic_settings.sources import SecretsSettingsSource
from pydantic_settings.sources.utils import parse_env_vars

from gatekeeper.errors import ConfigError
from gatekeeper.service import tomlfiles
from gatekeeper.service.layout import CONFIG_DIR as CONFIG_DIR
from gatekeeper.service.problem import Problem as Problem
from gatekeeper.service.vault import VaultSettingsSource
from gatekeeper.tomlfile import locate, merge

ENV_VAR = "APP_ENV"
SECRETS_DIR_VAR = "APP_SECRETS_DIR"
VAULT_PATH_VAR = "APP_VAULT_PATH"
VAULT_MOUNT_VAR = "APP_VAULT_MOUNT"
DEFAULT_SECRETS_DIR = Path("/run/secrets")
DEFAULTS = "model default"
ENVIRONMENT = "environment variable"
SECRETS_FILES = "secret file"

#: Key names that hold a secret even when the model forgot to type them ``SecretStr``.
SECRET_NAME = re.compile(
    r"(?:^|[_-])(?:pass(?:word|wd|phrase)?|secret(?:_?key)?|token|api_?key|private_?key"
    r"|credentials?)$",
    re.IGNORECASE,
)

S = TypeVar("S", bound=BaseSettings)
Path_ = tuple[str, ...]


class ServiceSettings(BaseSettings):
    """Base class of a service's ``Settings``: ``APP_`` prefix, unknown keys are errors."""

    model_config = SettingsConfigDict(
        env_prefix="APP_",
        env_nested_delimiter="__",
        extra="forbid",
        frozen=True,
        case_sensitive=False,
        validate_default=True,
    )


@dataclass(frozen=True)
class SettingsReport:
    """What :func:`check_settings` found for one environment."""

    environment: str
    problems: tuple[Problem, ...]
    #: Top-level setting → where its value came from (a file, a secret source, the model default).
    origins: Mapping[str, str] = field(default_factory=dict)
    #: Settings typed ``SecretStr``/``SecretBytes`` (dotted names).
    secrets: tuple[str, ...] = ()
    #: Required secrets not checked because only files were read (they come at deploy time).
    deferred: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.problems


class SettingsError(ConfigError):
    """Every problem with a service's settings, with the usage line. Exit code 2."""

    def __init__(
        self,
        environment: str | None,
        problems: tuple[Problem, ...],
        usage: str,
        notes: tuple[str, ...] = (),
    ) -> None:
        count = len(problems)
        head = (
            f"configuration for environment {environment!r} is invalid"
            if environment
            else "no valid environment selected"
        )
        lines = [f"{head} ({count} problem{'s' if count != 1 else ''}):"]
        lines += [f"  - {p.render()}" for p in problems]
        lines += [f"  note: {n}" for n in notes]
        lines.append(usage)
        super().__init__("\n".join(lines))
        self.environment = environment
        self.problems = problems
        self.usage = usage
        self.notes = notes


def service_dir(model: type[BaseModel]) -> Path:
    """The directory of the module that defines ``model`` (the service's directory)."""
    return Path(inspect.getfile(model)).resolve().parent


def service_name(directory: Path) -> str:
    return directory.name.replace("_", "-")


def env_prefix(model: type[BaseModel]) -> str:
    return str(model.model_config.get("env_prefix", ""))


def env_var_for(model: type[BaseModel], path: Path_) -> str:
    return env_prefix(model) + "__".join(path).upper()


def _annotations(annotation: Any) -> Iterator[Any]:
    """The annotation and every type nested in it (unions, Optional, Annotated, generics)."""
    stack = [annotation]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(typing.get_args(current))


def _is_model(tp: Any) -> bool:
    return isinstance(tp, type) and issubclass(tp, BaseModel)


def secret_paths(model: type[BaseModel]) -> frozenset[Path_]:
    """Dotted paths of every field typed ``SecretStr`` or ``SecretBytes``, nested models too."""
    found: set[Path_] = set()
    seen: set[type[BaseModel]] = set()
    stack: list[tuple[Path_, type[BaseModel]]] = [((), model)]
    while stack:
        prefix, current = stack.pop()
        seen.add(current)
        for name, info in current.model_fields.items():
            kinds = list(_annotations(info.annotation))
            if any(k in (SecretStr, SecretBytes) for k in kinds):
                found.add((*prefix, name))
            stack.extend(((*prefix, name), k) for k in kinds if _is_model(k) and k not in seen)
    return frozenset(found)


def _is_secret(path: Path_, secrets: frozenset[Path_]) -> bool:
    return any(path[: len(s)] == s for s in secrets)


def usage(model: type[BaseModel], environment: str | None, problems: tuple[Problem, ...]) -> str:
    """``Usage: APP_ENV=<env> APP_X=<x> ...`` naming every variable that would fix a problem."""
    words = [f"{ENV_VAR}={environment}" if environment else f"{ENV_VAR}=<environment>"]
    prefix = env_prefix(model)
    for problem in problems:
        placeholder = problem.env_var.removeprefix(prefix).rsplit("__", 1)[-1].lower()
        word = f"{problem.env_var}=<{placeholder}>"
        if problem.env_var and word not in words:
            words.append(word)
    return "Usage: " + " ".join(words)


def select_environment(model: type[BaseModel], environ: Mapping[str, str], directory: Path) -> str:
    """The environment named by ``APP_ENV``; missing or unknown is a :class:`SettingsError`."""
    declared = tomlfiles.environments(directory / CONFIG_DIR)
    value = environ.get(ENV_VAR, "")
    if value in declared:
        return value
    choices = "|".join(declared) or "<none declared>"
    message = "is not set" if not value else "names an unknown environment"
    problem = Problem(
        setting="environment",
        env_var=ENV_VAR,
        message=f"{message}; declared environments: {choices} (config/<env>.toml)",
        kind="missing" if not value else "unknown_environment",
    )
    raise SettingsError(None, (problem,), f"Usage: {ENV_VAR}=<{choices}>")


class _EnvironSource(EnvSettingsSource):
    """pydantic-settings' environment source, reading a given mapping instead of os.environ."""

    def __init__(self, settings_cls: type[BaseSettings], environ: Mapping[str, str]) -> None:
        self._environ = environ
        super().__init__(settings_cls)

    def _load_env_vars(self) -> Mapping[str, str | None]:
        return parse_env_vars(
            self._environ, self.case_sensitive, self.env_ignore_empty, self.env_parse_none_str
        )


@dataclass
class _Layer:
    label: str
    data: Mapping[str, Any]
    file: tomlfiles.ConfigFile | None = None


def _file_layers(directory: Path, environment: str) -> tuple[list[_Layer], list[Problem]]:
    layers: list[_Layer] = []
    problems: list[Problem] = []
    for name in (tomlfiles.DEFAULT, environment):
        path = directory / CONFIG_DIR / f"{name}.toml"
        # default.toml is optional; anything by that name (a FIFO, a device, a dangling
        # symlink) is read, and fails, rather than skipped.
        if name == tomlfiles.DEFAULT and not path.exists() and not path.is_symlink():
            continue
        parsed = tomlfiles.read(path)
        label = f"{CONFIG_DIR}/{name}.toml"
        if parsed.error is not None:
            problems.append(
                Problem("", "", parsed.error, "file_error", label, str(path), parsed.line)
            )
        layers.append(_Layer(label, parsed.data, parsed))
    return layers, problems


#: A secret file larger than this is refused (pydantic-settings reads each one whole).
MAX_SECRET_FILE_BYTES = 1 << 20


def _check_secret_files(secrets_dir: Path) -> None:
    """Refuse what pydantic-settings would read without a bound: a FIFO (it blocks forever), a
    device such as ``/dev/zero`` (it reads until memory runs out) or a huge file. Directories are
    passed over, as pydantic-settings does (Kubernetes mounts hold ``..data`` directories)."""
    import stat

    for entry in sorted(secrets_dir.iterdir()):
        try:
            info = entry.stat()
        except OSError as exc:
            raise ConfigError(f"cannot read secret file: {exc.strerror}", path=entry) from None
        if stat.S_ISDIR(info.st_mode):
            continue
        if not stat.S_ISREG(info.st_mode):
            raise ConfigError("secret file is not a regular file", path=entry)
        if info.st_size > MAX_SECRET_FILE_BYTES:
            raise ConfigError(
                f"secret file is larger than {MAX_SECRET_FILE_BYTES >> 20} MiB", path=entry
            )


def _secret_layers(
    model: type[BaseSettings], environment: str, environ: Mapping[str, str], directory: Path
) -> tuple[list[_Layer], list[str]]:
    layers: list[_Layer] = []
    notes: list[str] = []
    explicit = environ.get(SECRETS_DIR_VAR)
    secrets_dir = Path(explicit) if explicit else DEFAULT_SECRETS_DIR
    if secrets_dir.is_dir():
        _check_secret_files(secrets_dir)
        files = SecretsSettingsSource(model, secrets_dir=secrets_dir, env_prefix="")
        layers.append(_Layer(f"{SECRETS_FILES} in {secrets_dir}", files()))
    elif explicit:
        raise ConfigError(f"{SECRETS_DIR_VAR} is not a directory", path=secrets_dir)
    addr = environ.get("VAULT_ADDR")
    if addr:
        token = environ.get("VAULT_TOKEN")
        if not token:
            raise ConfigError("VAULT_ADDR is set but VAULT_TOKEN is not", hint="export VAULT_TOKEN")
        vault = VaultSettingsSource(
            model,
            addr=addr,
            token=token,
            path=environ.get(VAULT_PATH_VAR) or f"{service_name(directory)}/{environment}",
            mount=environ.get(VAULT_MOUNT_VAR) or "secret",
            ca_bundle=environ.get("VAULT_CACERT") or None,
        )
        layers.append(_Layer(vault.where, vault()))
        if vault.note:
            notes.append(vault.note)
    return layers, notes


def _environment_layer(
    model: type[BaseSettings], environ: Mapping[str, str]
) -> tuple[_Layer, list[Problem]]:
    """Values from environment variables; a structured setting that is not JSON is a problem."""
    problems: list[Problem] = []
    remaining = dict(environ)
    while True:
        try:
            return _Layer(ENVIRONMENT, _EnvironSource(model, remaining)()), problems
        except SourceError as exc:
            found = _SOURCE_FIELD.search(str(exc))
            name = found.group(1) if found else ""
            env_var = env_var_for(model, (name,)) if name else ""
            kept = {k: v for k, v in remaining.items() if k.upper() != env_var}
            if not name or len(kept) == len(remaining):  # not a variable we can name: stop
                raise ConfigError(
                    f"an environment variable for setting {name!r} is not valid JSON"
                ) from None
            message = "not valid JSON for a structured setting"
            problems.append(Problem(name, env_var, message, "env_json", ENVIRONMENT))
            remaining = kept


_MESSAGES = {
    "missing": "required setting is missing",
    "extra_forbidden": "unknown setting (not in the settings model; a typo?)",
}
_SOURCE_FIELD = re.compile(r'error parsing value for field "([^"]+)"')


def _problem(
    model: type[BaseModel],
    error: Mapping[str, Any],
    origins: Mapping[Path_, _Layer],
    secrets: frozenset[Path_],
) -> Problem:
    loc = tuple(str(p) for p in error["loc"])
    fields: list[str] = []
    for part in error["loc"]:
        if not isinstance(part, str):
            break
        fields.append(part)
    kind = str(error["type"])
    env_var = "" if kind == "extra_forbidden" or not fields else env_var_for(model, tuple(fields))
    secret = _is_secret(tuple(fields), secrets)
    message = _MESSAGES.get(kind, str(error["msg"]))
    if kind == "missing" and secret:
        message += f" (a secret: Vault key or secret file {fields[-1]!r}, or {env_var})"
    layer = next((origins[loc[:n]] for n in range(len(loc), 0, -1) if loc[:n] in origins), None)
    if layer is None:
        return Problem(".".join(loc), env_var, message, kind, secret=secret)
    if layer.file is None:
        return Problem(".".join(loc), env_var, message, kind, layer.label, secret=secret)
    line = locate(layer.file.text, loc)
    path = str(layer.file.path)
    return Problem(".".join(loc), env_var, message, kind, layer.label, path, line, secret)


def check_settings(
    model: type[S],
    environment: str,
    *,
    environ: Mapping[str, str] | None = None,
    directory: Path | None = None,
    files_only: bool = False,
) -> tuple[SettingsReport, S | None]:
    """Validate ``model`` for ``environment`` and return every problem (and the settings if ok).

    ``files_only`` reads only the config files (no environment variables, no secrets) and does
    not report missing secrets: that is what the ``config`` gate checks in CI.
    """
    environ = dict(os.environ) if environ is None else dict(environ)
    directory = service_dir(model) if directory is None else directory
    layers, problems = _file_layers(directory, environment)
    notes: list[str] = []
    if not files_only:
        secret_layers, notes = _secret_layers(model, environment, environ, directory)
        layers += secret_layers
        env_layer, env_problems = _environment_layer(model, environ)
        layers.append(env_layer)
        problems += env_problems
    merged: dict[str, Any] = {}
    origins: dict[Path_, _Layer] = {}
    for layer in layers:
        merged = merge(merged, layer.data)
        origins.update((leaf, layer) for leaf in tomlfiles.leaves(layer.data))
    secrets = secret_paths(model)
    deferred: list[str] = []
    instance: S | None = None
    try:
        instance = model.model_validate(merged)
    except ValidationError as exc:
        for error in exc.errors(include_url=False, include_input=False):
            problem = _problem(model, error, origins, secrets)
            if files_only and problem.kind == "missing" and problem.secret:
                deferred.append(problem.setting)
            else:
                problems.append(problem)
    top = dict.fromkeys(model.model_fields, DEFAULTS)
    top.update((path[0], layer.label) for path, layer in origins.items())
    report = SettingsReport(
        environment=environment,
        problems=tuple(problems),
        origins=top,
        secrets=tuple(sorted(".".join(p) for p in secrets)),
        deferred=tuple(deferred),
        notes=tuple(notes),
    )
    return report, (instance if not problems else None)


def load_settings(
    model: type[S],
    *,
    environ: Mapping[str, str] | None = None,
    directory: Path | None = None,
) -> S:
    """The settings for the environment named by ``APP_ENV``, or a :class:`SettingsError`."""
    environ = dict(os.environ) if environ is None else environ
    directory = service_dir(model) if directory is None else directory
    environment = select_environment(model, environ, directory)
    report, instance = check_settings(model, environment, environ=environ, directory=directory)
    if instance is None:
        raise SettingsError(
            environment, report.problems, usage(model, environment, report.problems), report.notes
        )
    return instance


@dataclass(frozen=True)
class CommittedSecret:
    """A secret value written into a config file (a finding, wherever it is)."""

    path: Path
    setting: str
    line: int | None


def committed_secrets(model: type[BaseModel], directory: Path) -> tuple[CommittedSecret, ...]:
    """Non-empty values of secret settings (or secret-looking keys) in ``config/*.toml``."""
    secrets = secret_paths(model)
    found: list[CommittedSecret] = []
    for path in sorted((directory / CONFIG_DIR).glob("*.toml")):
        parsed = tomlfiles.read(path)
        for leaf in sorted(tomlfiles.leaves(parsed.data)):
            value: Any = parsed.data
            for key in leaf:
                value = value[key]
            if value in ("", [], {}):
                continue
            named = isinstance(value, str) and SECRET_NAME.search(leaf[-1]) is not None
            if _is_secret(leaf, secrets) or named:
                found.append(CommittedSecret(path, ".".join(leaf), locate(parsed.text, leaf)))
    return tuple(found)


__all__ = [
    "ENV_VAR",
    "CommittedSecret",
    "Problem",
    "ServiceSettings",
    "SettingsError",
    "SettingsReport",
    "check_settings",
    "committed_secrets",
    "load_settings",
    "select_environment",
    "service_dir",
    "usage",
]
