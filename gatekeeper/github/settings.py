"""Where and as whom to report: the GitHub Actions environment, read with pydantic-settings.

``GITHUB_REPOSITORY``, ``GITHUB_SHA``, ``GITHUB_EVENT_PATH`` (a pull request's number, head commit
and head repository, for fork detection) and ``GITHUB_EVENT_NAME``, ``GITHUB_API_URL`` (GitHub
Enterprise Server), ``GITHUB_SERVER_URL`` and ``GITHUB_RUN_ID`` (the status's link to the run),
and the credentials: ``GITHUB_TOKEN``, or a GitHub App installation (``GATEKEEPER_GITHUB_APP_ID``,
``GATEKEEPER_GITHUB_APP_KEY_FILE``, ``GATEKEEPER_GITHUB_INSTALLATION_ID``), which wins when set.

A missing or bad value is a :class:`~gatekeeper.errors.ConfigError` naming the variable, never
its value (exit 2). Secrets are :class:`~pydantic.SecretStr`/bytes held in :class:`Credentials`,
whose ``repr`` shows none of them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

from pydantic import AfterValidator, Field, SecretStr, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from gatekeeper.errors import ConfigError
from gatekeeper.fsutil import read_bounded
from gatekeeper.net.urls import check_url

#: The largest event payload we read (GitHub caps webhook payloads at 25 MB; a PR's is ~30 kB).
MAX_EVENT_BYTES = 8 << 20
#: The largest private key file we read.
MAX_KEY_BYTES = 64 << 10
_REPO = r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$"
_SHA = r"^(?:[0-9a-f]{40}|[0-9a-f]{64})$"


def _url(setting: str) -> AfterValidator:
    """The URL rule (https, plain http only to loopback); a ConfigError naming ``setting``."""

    def check(value: str) -> str:
        check_url(value, setting, ConfigError)
        return value.rstrip("/")

    return AfterValidator(check)


def _credential(value: SecretStr) -> SecretStr:
    """A token pasted from somewhere: surrounding whitespace dropped, then printable ASCII only
    (all an HTTP header carries safely). The error never shows the value."""
    text = value.get_secret_value().strip()
    if not text or not text.isascii() or not text.isprintable() or " " in text:
        raise ValueError("is empty or contains whitespace, control or non-ASCII characters")
    return SecretStr(text)


class _Environment(BaseSettings):
    """The variables as pydantic-settings reads them (an empty variable counts as unset)."""

    model_config = SettingsConfigDict(case_sensitive=True, env_ignore_empty=True, extra="ignore")

    repository: str | None = Field(None, alias="GITHUB_REPOSITORY", pattern=_REPO)
    sha: str | None = Field(None, alias="GITHUB_SHA", pattern=_SHA)
    event_path: Path | None = Field(None, alias="GITHUB_EVENT_PATH")
    event_name: str = Field("pull_request", alias="GITHUB_EVENT_NAME")
    api_url: Annotated[str, _url("GITHUB_API_URL")] = Field(
        "https://api.github.com", alias="GITHUB_API_URL"
    )
    server_url: Annotated[str, _url("GITHUB_SERVER_URL")] = Field(
        "https://github.com", alias="GITHUB_SERVER_URL"
    )
    run_id: int | None = Field(None, alias="GITHUB_RUN_ID", gt=0)
    token: Annotated[SecretStr, AfterValidator(_credential)] | None = Field(
        None, alias="GITHUB_TOKEN"
    )
    app_id: int | None = Field(None, alias="GATEKEEPER_GITHUB_APP_ID", gt=0)
    app_key_file: Path | None = Field(None, alias="GATEKEEPER_GITHUB_APP_KEY_FILE")
    installation_id: int | None = Field(None, alias="GATEKEEPER_GITHUB_INSTALLATION_ID", gt=0)


@dataclass(frozen=True)
class App:
    """GitHub App installation credentials: the key is read once, kept out of ``repr``."""

    app_id: int
    installation_id: int
    private_key: bytes = field(repr=False)


@dataclass(frozen=True)
class Credentials:
    """Exactly one of a token and an App installation."""

    token: SecretStr | None = None
    app: App | None = None


@dataclass(frozen=True)
class PullRequest:
    number: int
    head_sha: str
    #: ``owner/name`` of the head repository; None when the fork was deleted.
    head_repository: str | None
    base_repository: str
    #: ``GITHUB_EVENT_NAME``: ``pull_request_target`` runs with a token that can write.
    event: str = "pull_request"

    @property
    def from_fork(self) -> bool:
        return self.head_repository is None or (
            self.head_repository.lower() != self.base_repository.lower()
        )

    @property
    def read_only_token(self) -> bool:
        """True when the workflow's token cannot write: a fork's ``pull_request`` run."""
        return self.from_fork and self.event != "pull_request_target"


@dataclass(frozen=True)
class GitHubSettings:
    repository: str
    #: The commit reported on: a pull request's head, else ``GITHUB_SHA``.
    sha: str
    api_url: str
    credentials: Credentials = field(repr=False)
    pull_request: PullRequest | None = None
    #: The run's page, linked from the status; None outside Actions.
    run_url: str | None = None

    @property
    def owner_and_name(self) -> tuple[str, str]:
        owner, _, name = self.repository.partition("/")
        return owner, name


@dataclass(frozen=True)
class Access:
    """Where the API is and who calls it, without a repository or commit (``inventory``)."""

    api_url: str
    credentials: Credentials = field(repr=False)


def load_access(purpose: str) -> Access:
    """``GITHUB_API_URL`` and the credentials from the environment, for ``purpose`` (named in
    the error when they are missing, such as ``inventory``)."""
    env = _environment()
    return Access(env.api_url, _credentials(env, purpose))


def _environment() -> _Environment:
    try:
        return _Environment()
    except ValidationError as exc:
        error = exc.errors()[0]
        name = str(error["loc"][0]) if error["loc"] else "the GitHub settings"
        raise ConfigError(f"invalid setting {name}: {_reason(error)}") from None


def load_settings() -> GitHubSettings:
    """The settings from the environment; a ConfigError naming the variable when one is bad."""
    env = _environment()
    if env.repository is None:
        raise ConfigError(
            "--github needs GITHUB_REPOSITORY (owner/name)", hint="run inside GitHub Actions"
        )
    pull = _pull_request(env.event_path, env.repository, env.event_name) if env.event_path else None
    sha = pull.head_sha if pull is not None else env.sha
    if sha is None:
        raise ConfigError("--github needs GITHUB_SHA (the commit to report on)")
    run_url = f"{env.server_url}/{env.repository}/actions/runs/{env.run_id}" if env.run_id else None
    return GitHubSettings(
        repository=env.repository,
        sha=sha,
        api_url=env.api_url,
        credentials=_credentials(env),
        pull_request=pull,
        run_url=run_url,
    )


def _reason(error: Any) -> str:
    """pydantic's message without the input (which may be a secret)."""
    message = str(error["msg"])
    if error["type"] == "value_error":
        message = message.removeprefix("Value error, ")
    return message


def _credentials(env: _Environment, purpose: str = "--github") -> Credentials:
    app_vars = {
        "GATEKEEPER_GITHUB_APP_ID": env.app_id,
        "GATEKEEPER_GITHUB_APP_KEY_FILE": env.app_key_file,
        "GATEKEEPER_GITHUB_INSTALLATION_ID": env.installation_id,
    }
    given = [name for name, value in app_vars.items() if value is not None]
    if given and len(given) < len(app_vars):
        missing = ", ".join(name for name in app_vars if name not in given)
        raise ConfigError(f"GitHub App credentials are incomplete: set {missing} too")
    if env.app_id is not None and env.installation_id is not None and env.app_key_file:
        key = _read(env.app_key_file, "GATEKEEPER_GITHUB_APP_KEY_FILE", MAX_KEY_BYTES)
        if b"PRIVATE KEY-----" not in key:
            raise ConfigError(
                "GATEKEEPER_GITHUB_APP_KEY_FILE is not a PEM private key",
                path=env.app_key_file,
            )
        return Credentials(app=App(env.app_id, env.installation_id, key))
    if env.token is None:
        raise ConfigError(
            f"{purpose} needs GITHUB_TOKEN or GitHub App installation credentials",
            hint="pass `env: GITHUB_TOKEN: ${{ github.token }}` to the step",
        )
    return Credentials(token=env.token)


def _read(path: Path, setting: str, limit: int) -> bytes:
    try:
        return read_bounded(path, limit)
    except OSError as exc:
        raise ConfigError(f"{setting}: cannot read: {exc.strerror}", path=path) from None


def _pull_request(path: Path, repository: str, event_name: str) -> PullRequest | None:
    """The pull request of a ``pull_request``/``pull_request_target`` event; None for others."""
    from gatekeeper.json_input import load_json

    data = _read(path, "GITHUB_EVENT_PATH", MAX_EVENT_BYTES)
    event = load_json(data, source=str(path), error=ConfigError)
    pull = event.get("pull_request") if isinstance(event, dict) else None
    if pull is None:
        return None
    number = _get(pull, path, "pull_request", "number", kind=int)
    head_sha = _get(pull, path, "pull_request", "head", "sha", kind=str)
    head_repo = _get(pull, path, "pull_request", "head", "repo", kind=dict, optional=True)
    head_name = None
    if head_repo is not None:
        head_name = _get(head_repo, path, "pull_request.head.repo", "full_name", kind=str)
    base_name = _get(pull, path, "pull_request", "base", "repo", "full_name", kind=str)
    if base_name.lower() != repository.lower():
        raise ConfigError(
            f"the event's pull request is in {base_name}, not GITHUB_REPOSITORY", path=path
        )
    return PullRequest(number, head_sha, head_name, base_name, event_name)


def _get(data: Any, path: Path, *keys: str, kind: type, optional: bool = False) -> Any:
    """``data[k1][k2]...`` of type ``kind``; a ConfigError naming the key path otherwise."""
    value = data
    for key in keys[1:]:
        value = value.get(key) if isinstance(value, dict) else None
    if value is None and optional:
        return None
    if not isinstance(value, kind) or isinstance(value, bool):
        dotted = ".".join(keys)
        raise ConfigError(f"event key {dotted}: expected {kind.__name__}", path=path)
    return value
