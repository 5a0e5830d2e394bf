"""A typed client for devpi-server's JSON API, over :mod:`gatekeeper.net`.

Every request goes through :func:`gatekeeper.net.http.fetch`: the URL rule (https, plain http
only to loopback), bounded retries, a deadline per operation, size caps, and failures mapped to
:mod:`gatekeeper.errors` (exit 3 when devpi is down, refuses or rejects the credentials).

Authentication is devpi's own: ``POST /+login`` with the user and password answers a
short-lived proxy token, sent on every later request as ``X-Devpi-Auth: base64(user:token)``
(what devpi-client does). The password and the token live in :class:`~pydantic.SecretStr`;
neither appears in a ``repr``, a message or debug output. devpi-server has no API tokens of
its own; with the devpi-tokens plugin on the server, a token is given as the login password
(``DEVPI_TOKEN``).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import AliasChoices, Field, SecretStr, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from gatekeeper.errors import (
    AuthenticationError,
    BackendError,
    BackendUnavailable,
    ConfigError,
    UsageError,
)
from gatekeeper.net.http import REAL_CLOCK, fetch, json_body
from gatekeeper.net.retry import Clock, RetryPolicy
from gatekeeper.net.urls import check_url, redact

if TYPE_CHECKING:
    import httpx

WHAT = "devpi"
#: The largest JSON answer read (an index listing of a big server is a few MB).
MAX_JSON = 32 << 20
#: The largest file read back from devpi (a provenance record, a release file).
MAX_FILE = 512 << 20
#: The longest devpi message quoted in an error.
MAX_MESSAGE = 300
DEFAULT_RETRY = RetryPolicy(attempts=3, base=0.25, cap=2.0, deadline=120.0)
_JSON = {"Accept": "application/json"}


class _Environment(BaseSettings):
    """``DEVPI_URL``, ``DEVPI_USER``, ``DEVPI_PASSWORD`` or ``DEVPI_TOKEN`` (empty: unset)."""

    model_config = SettingsConfigDict(case_sensitive=True, env_ignore_empty=True, extra="ignore")

    url: str | None = Field(None, validation_alias=AliasChoices("DEVPI_URL"))
    user: str | None = Field(None, validation_alias=AliasChoices("DEVPI_USER"))
    password: SecretStr | None = Field(None, validation_alias=AliasChoices("DEVPI_PASSWORD"))
    token: SecretStr | None = Field(None, validation_alias=AliasChoices("DEVPI_TOKEN"))


@dataclass(frozen=True)
class DevpiSettings:
    """Where devpi is and who we are there. ``secret`` is the password or token, never shown."""

    url: str
    user: str | None = None
    secret: SecretStr | None = field(default=None, repr=False)

    @property
    def has_credentials(self) -> bool:
        return self.user is not None and self.secret is not None


def _clean_secret(value: SecretStr | None, name: str) -> SecretStr | None:
    if value is None:
        return None
    text = value.get_secret_value().strip()
    if not text.isascii() or not text.isprintable():
        raise ConfigError(f"{name} contains control or non-ASCII characters")
    return SecretStr(text) if text else None


def load_settings(
    url: str | None = None, environ: Mapping[str, str] | None = None
) -> DevpiSettings:
    """The settings from the environment; ``url`` (``--url``) wins over ``DEVPI_URL``.

    A bad value is a :class:`ConfigError` naming the variable, never its value (exit 2).
    ``DEVPI_TOKEN`` is used when ``DEVPI_PASSWORD`` is unset.
    """
    import os

    source = os.environ if environ is None else environ
    try:
        env = _Environment.model_validate(dict(source))
    except ValidationError as exc:  # pragma: no cover - every field is a plain string
        names = ", ".join(str(e["loc"][0]) for e in exc.errors())
        raise ConfigError(f"invalid devpi settings: {names}") from None
    chosen = url or env.url
    setting = "--url" if url else "DEVPI_URL"
    if not chosen:
        raise ConfigError("no devpi URL", hint="give --url or set DEVPI_URL")
    check_url(chosen, setting, ConfigError)
    password = _clean_secret(env.password, "DEVPI_PASSWORD")
    token = _clean_secret(env.token, "DEVPI_TOKEN")
    user = env.user.strip() if env.user and env.user.strip() else None
    return DevpiSettings(url=chosen.rstrip("/"), user=user, secret=password or token)


@dataclass(frozen=True)
class IndexConfig:
    """One devpi index (``user/index``) as its JSON config says."""

    name: str
    type: str
    volatile: bool
    bases: tuple[str, ...] = ()
    acl_upload: tuple[str, ...] = ()
    acl_toxresult_upload: tuple[str, ...] = ()
    mirror_whitelist: tuple[str, ...] = ()
    mirror_whitelist_inheritance: str = "intersection"

    @property
    def is_mirror(self) -> bool:
        return self.type == "mirror"

    @classmethod
    def from_json(cls, name: str, data: Mapping[str, Any]) -> IndexConfig:
        def names(key: str, default: Sequence[str] = ()) -> tuple[str, ...]:
            value = data.get(key, default)
            return tuple(str(v) for v in value) if isinstance(value, list | tuple) else ()

        return cls(
            name=name,
            type=str(data.get("type", "stage")),
            volatile=bool(data.get("volatile", True)),
            bases=names("bases"),
            acl_upload=names("acl_upload"),
            acl_toxresult_upload=names("acl_toxresult_upload", (":ANONYMOUS:",)),
            mirror_whitelist=names("mirror_whitelist"),
            mirror_whitelist_inheritance=str(
                data.get("mirror_whitelist_inheritance", "intersection")
            ),
        )


@dataclass(frozen=True)
class Link:
    """A file of a release on an index: a release file, or a toxresult attached to one."""

    rel: str
    basename: str
    href: str
    sha256: str | None = None
    for_href: str | None = None


@dataclass(frozen=True)
class VersionData:
    """One version of a project on an index: its metadata and its links."""

    name: str
    version: str
    links: tuple[Link, ...] = ()
    metadata: Mapping[str, Any] = field(default_factory=dict)

    @property
    def release_files(self) -> tuple[Link, ...]:
        return tuple(link for link in self.links if link.rel == "releasefile")

    @property
    def toxresults(self) -> tuple[Link, ...]:
        return tuple(link for link in self.links if link.rel == "toxresult")


def _sha256(link: Mapping[str, Any]) -> str | None:
    hashes = link.get("hashes")
    if isinstance(hashes, Mapping) and isinstance(hashes.get("sha256"), str):
        return str(hashes["sha256"])
    spec = link.get("hash_spec")
    if isinstance(spec, str) and spec.startswith("sha256="):
        return spec.removeprefix("sha256=")
    return None


def _version(name: str, version: str, data: Mapping[str, Any]) -> VersionData:
    links = []
    for raw in data.get("+links") or ():
        if not isinstance(raw, Mapping):
            continue
        links.append(
            Link(
                rel=str(raw.get("rel", "")),
                basename=str(raw.get("basename") or str(raw.get("href", "")).rpartition("/")[2]),
                href=str(raw.get("href", "")),
                sha256=_sha256(raw),
                for_href=str(raw["for_href"]) if raw.get("for_href") else None,
            )
        )
    metadata = {k: v for k, v in data.items() if not k.startswith("+")}
    return VersionData(name, str(data.get("version", version)), tuple(links), metadata)


def _message(response: httpx.Response) -> str:
    """devpi's own explanation of a refusal (``{"message": ...}``), short and redacted."""
    try:
        data = json.loads(response.content[:65536])
    except ValueError:
        text = response.text[:MAX_MESSAGE]
    else:
        text = str(data.get("message", "")) if isinstance(data, dict) else ""
    text = " ".join(text.split())[:MAX_MESSAGE]
    return redact(text)


class DevpiClient:
    """One devpi-server at ``url``. Use as a context manager; :meth:`login` before writing.

    ``http`` is an :func:`gatekeeper.net.http.client` (tests pass one with a mock transport).
    """

    def __init__(
        self,
        url: str,
        *,
        http: httpx.Client | None = None,
        timeout: float = 30.0,
        policy: RetryPolicy = DEFAULT_RETRY,
        clock: Clock = REAL_CLOCK,
        setting: str = "DEVPI_URL",
    ) -> None:
        from gatekeeper.net import http as net_http

        check_url(url, setting, UsageError)
        self.url = url.rstrip("/")
        self.setting = setting
        self.policy = policy
        self.clock = clock
        self._http = http or net_http.client(timeout=timeout)
        self._auth: SecretStr | None = None
        self.user: str | None = None

    def __repr__(self) -> str:
        state = f"logged in as {self.user}" if self.user else "anonymous"
        return f"DevpiClient({redact(self.url)!r}, {state})"

    def __enter__(self) -> DevpiClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    # ------------------------------------------------------------------ plumbing
    def _headers(self, extra: Mapping[str, str] | None = None) -> dict[str, str]:
        headers = dict(_JSON)
        if self._auth is not None:
            headers["X-Devpi-Auth"] = self._auth.get_secret_value()
        headers.update(extra or {})
        return headers

    def _request(
        self,
        method: str,
        path: str,
        *,
        body: Any = None,
        content: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        allow: Sequence[int] = (),
        max_bytes: int = MAX_JSON,
        what: str | None = None,
    ) -> httpx.Response:
        """``method`` on ``path`` (relative to the server, or an absolute URL on it). A
        refusal devpi explains (4xx other than 401/403, unless allowed) raises
        :class:`BackendError` quoting devpi's message."""
        url = path if path.startswith(("http://", "https://")) else f"{self.url}/{path.lstrip('/')}"
        sent_headers = self._headers(headers)
        if body is not None:
            content = json.dumps(body).encode()
            sent_headers["Content-Type"] = "application/json"
        refused = (400, 404, 405, 409, 410, 413, 415, 422)
        response = fetch(
            self._http,
            method,
            url,
            what=what or WHAT,
            max_bytes=max_bytes,
            setting=self.setting,
            policy=self.policy,
            clock=self.clock,
            allow=(*allow, *refused),
            headers=sent_headers,
            content=content,
        )
        if response.status_code in refused and response.status_code not in allow:
            reason = _message(response)
            raise BackendError(
                f"{what or WHAT} refused {method} {redact(url).removeprefix(self.url)} "
                f"(HTTP {response.status_code})" + (f": {reason}" if reason else ""),
                path=redact(self.url),
            )
        return response

    def _json(self, response: httpx.Response) -> Any:
        data = json_body(response, WHAT)
        if not isinstance(data, dict):
            raise BackendUnavailable("devpi sent an unexpected answer", path=redact(self.url))
        return data.get("result", data)

    # --------------------------------------------------------------------- login
    def login(self, user: str, secret: SecretStr) -> None:
        """Log in as ``user``; a wrong password or token is an :class:`AuthenticationError`
        naming the user only (exit 3)."""
        body = {"user": user, "password": secret.get_secret_value()}
        response = fetch(
            self._http,
            "POST",
            f"{self.url}/+login",
            what=WHAT,
            max_bytes=MAX_JSON,
            setting=self.setting,
            policy=self.policy,
            clock=self.clock,
            allow=(400, 401, 403),
            headers={**_JSON, "Content-Type": "application/json"},
            content=json.dumps(body).encode(),
        )
        if response.status_code != 200:
            raise AuthenticationError(
                f"devpi refused the login of user {user!r} (HTTP {response.status_code})",
                path=redact(self.url),
                hint="check DEVPI_USER and DEVPI_PASSWORD (or DEVPI_TOKEN)",
            )
        result = self._json(response)
        token = result.get("password") if isinstance(result, dict) else None
        if not isinstance(token, str) or not token:
            raise BackendUnavailable("devpi's login answer holds no token", path=redact(self.url))
        raw = base64.b64encode(f"{user}:{token}".encode()).decode()
        self._auth = SecretStr(raw)
        self.user = user

    def login_with(self, settings: DevpiSettings) -> None:
        """Log in with ``settings``' credentials; none given is a :class:`ConfigError`."""
        if settings.user is None or settings.secret is None:
            raise ConfigError(
                "devpi credentials are not set",
                hint="set DEVPI_USER and DEVPI_PASSWORD (or DEVPI_TOKEN)",
            )
        self.login(settings.user, settings.secret)

    # --------------------------------------------------------------------- users
    def get_user(self, name: str) -> Mapping[str, Any] | None:
        response = self._request("GET", f"/{name}", allow=(404,))
        if response.status_code == 404:
            return None
        result = self._json(response)
        return result if isinstance(result, dict) else {}

    def create_user(self, name: str, password: SecretStr, *, email: str | None = None) -> None:
        body: dict[str, str] = {"password": password.get_secret_value()}
        if email:
            body["email"] = email
        self._request("PUT", f"/{name}", body=body)

    # ------------------------------------------------------------------- indexes
    def list_indexes(self) -> dict[str, IndexConfig]:
        """Every index of every user, by ``user/index``."""
        result = self._json(self._request("GET", "/"))
        indexes: dict[str, IndexConfig] = {}
        for username, user in sorted(result.items()):
            for index, config in sorted(((user or {}).get("indexes") or {}).items()):
                name = f"{username}/{index}"
                indexes[name] = IndexConfig.from_json(name, config or {})
        return indexes

    def get_index(self, name: str) -> IndexConfig | None:
        response = self._request("GET", f"/{name}", allow=(404,))
        if response.status_code == 404:
            return None
        return IndexConfig.from_json(name, self._json(response))

    def create_index(self, name: str, config: Mapping[str, Any]) -> IndexConfig:
        response = self._request("PUT", f"/{name}", body=dict(config))
        return IndexConfig.from_json(name, self._json(response))

    def modify_index(self, name: str, config: Mapping[str, Any]) -> IndexConfig:
        """Set the keys of ``config`` on index ``name`` (its other keys are kept)."""
        response = self._request("GET", f"/{name}")
        current = dict(self._json(response))
        current.pop("projects", None)
        current.update(config)
        response = self._request("PATCH", f"/{name}", body=current)
        return IndexConfig.from_json(name, self._json(response))

    # ------------------------------------------------------------------ releases
    def versions(self, index: str, project: str) -> dict[str, VersionData]:
        """The versions of ``project`` uploaded to ``index`` itself (not its bases)."""
        response = self._request("GET", f"/{index}/{project}?ignore_bases", allow=(404,))
        if response.status_code == 404:
            return {}
        result = self._json(response)
        return {
            str(version): _version(project, str(version), data)
            for version, data in result.items()
            if isinstance(data, Mapping)
        }

    def version(self, index: str, project: str, version: str) -> VersionData | None:
        return self.versions(index, project).get(version)

    def upload(self, index: str, path: Path, fields: Mapping[str, str | Sequence[str]]) -> None:
        """Upload ``path`` to ``index`` as twine does: a multipart ``file_upload`` with the
        metadata ``fields`` (name and version at least). An identical file already on a
        non-volatile index is accepted by devpi (HTTP 200), a different one refused (409)."""
        import httpx

        data = {":action": "file_upload", "protocol_version": "1", **fields}
        request = httpx.Request(
            "POST",
            f"{self.url}/{index}/",
            data=data,
            files={"content": (path.name, path.read_bytes(), "application/octet-stream")},
        )
        body = request.read()
        self._request(
            "POST",
            f"/{index}/",
            content=body,
            headers={"Content-Type": request.headers["Content-Type"]},
            what=f"devpi upload of {path.name}",
        )

    def push(self, source: str, target: str, name: str, version: str) -> list[Any]:
        """Push ``name`` ``version`` with its files and toxresults from ``source`` to
        ``target`` on this server; devpi's action log."""
        body = {"name": name, "version": version, "targetindex": target}
        response = self._request("POST", f"/{source}", body=body, what="devpi push")
        result = self._json(response)
        return list(result) if isinstance(result, list) else []

    def delete_version(self, index: str, name: str, version: str) -> bool:
        """Delete ``version`` of ``name`` from a volatile ``index``; False when absent."""
        response = self._request("DELETE", f"/{index}/{name}/{version}", allow=(404,))
        return response.status_code != 404

    def attach_toxresult(self, release_href: str, record: Mapping[str, Any]) -> str:
        """Attach the JSON ``record`` to the release file at ``release_href``; its path."""
        self._same_server(release_href)
        response = self._request("POST", release_href, body=dict(record), what="devpi toxresult")
        return str(self._json(response))

    def read_bytes(self, href: str, max_bytes: int = MAX_FILE) -> bytes:
        """The content of a file on this server."""
        self._same_server(href)
        return self._request("GET", href, max_bytes=max_bytes, headers={"Accept": "*/*"}).content

    def _same_server(self, href: str) -> None:
        if not href.startswith(self.url + "/"):
            raise BackendUnavailable("devpi linked a file on another server", path=redact(self.url))
