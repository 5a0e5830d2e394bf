"""Every setting web-api reads. Files: config/<env>.toml; variables: APP_<NAME>."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, HttpUrl, field_validator

from gatekeeper.service.server import ServerSettings


class Settings(ServerSettings):
    #: recipe-api's base URL. HTTPS only: the certificate must chain to ``ca_bundle``.
    recipe_api_url: HttpUrl
    #: The internal CA bundle, the only trust anchor for calls to recipe-api.
    ca_bundle: Path = Path("certs/ca.pem")
    #: Timeout of one call to recipe-api, in seconds.
    recipe_api_timeout_s: float = Field(default=5.0, gt=0)

    @field_validator("recipe_api_url")
    @classmethod
    def _https_only(cls, value: HttpUrl) -> HttpUrl:
        if value.scheme != "https":
            raise ValueError("must be an https:// URL (recipe-api is called over TLS only)")
        return value
