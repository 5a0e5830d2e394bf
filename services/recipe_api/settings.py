"""Every setting recipe-api reads. Files: config/<env>.toml; variables: APP_<NAME>."""

from __future__ import annotations

from pydantic import Field, SecretStr

from gatekeeper.service.server import ServerSettings


class Settings(ServerSettings):
    #: Bearer token required by ``POST /recipes``. A secret: Vault key or /run/secrets/api_token.
    api_token: SecretStr = Field(min_length=16)
    #: The store keeps at most this many recipes (the oldest go first).
    max_recipes: int = Field(default=1000, gt=0)
