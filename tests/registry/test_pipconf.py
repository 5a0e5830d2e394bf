"""pip.conf and uv.toml: one index, no credentials, valid files."""

from __future__ import annotations

import configparser
import tomllib

import pytest

from gatekeeper.errors import UsageError
from gatekeeper.registry.pipconf import pip_conf, simple_url, uv_toml


def test_one_index_url_and_no_credentials() -> None:
    url = simple_url("https://ci:pl4nted-secret@devpi.example/", "corp/prod")
    assert url == "https://devpi.example/corp/prod/+simple/"
    parsed = configparser.ConfigParser()
    parsed.read_string(pip_conf(url))
    assert dict(parsed["global"]) == {"index-url": url}
    assert "extra-index-url" not in pip_conf(url)
    uv = tomllib.loads(uv_toml(url))
    assert uv == {"index": [{"name": "internal", "url": url, "default": True}]}


def test_plain_http_only_to_loopback() -> None:
    assert "http://127.0.0.1:3141/" in pip_conf("http://127.0.0.1:3141/corp/prod/+simple/")
    with pytest.raises(UsageError, match="refusing plain HTTP"):
        pip_conf("http://devpi.example/corp/prod/+simple/")
    with pytest.raises(UsageError, match="refusing plain HTTP"):
        uv_toml("http://devpi.example/corp/prod/+simple/")
