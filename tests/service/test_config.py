from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel, Field, SecretStr

from gatekeeper.errors import ConfigError
from gatekeeper.service import config
from gatekeeper.service.config import (
    Problem,
    ServiceSettings,
    SettingsError,
    check_settings,
    committed_secrets,
    load_settings,
    secret_paths,
)
from gatekeeper.service.discover import load_service
from gatekeeper.service.server import ServerSettings
from tests.service.conftest import MakeService

GOOD = {
    "default": """
        name = "base"
        tags = ["a", "b"]
        [limits]
        max_body = 100
        ratio = 0.25
    """,
    "production": """
        port = 8443
        tags = ["prod"]
        [limits]
        max_body = 5
    """,
    "development": "port = 8000\n",
}
KEY = "s3cr3t-value-xyz"


def model_of(directory: Path) -> Any:
    """The demo Settings class (typed Any: it is defined in a file the test writes)."""
    model = load_service(directory).model
    assert issubclass(model, ServiceSettings)
    return model


def test_files_merge_then_environment_overrides(make_service: MakeService) -> None:
    directory = make_service(GOOD)
    model = model_of(directory)
    settings = load_settings(model, environ={"APP_ENV": "production", "APP_API_KEY": KEY})
    assert settings.port == 8443
    assert settings.name == "base"
    assert settings.tags == ["prod"]  # arrays replace
    assert settings.limits.max_body == 5 and settings.limits.ratio == 0.25  # tables merge
    assert settings.api_key.get_secret_value() == KEY
    assert KEY not in repr(settings) and KEY not in str(settings)

    environ = {
        "APP_ENV": "production",
        "APP_API_KEY": KEY,
        "APP_PORT": "9000",
        "APP_LIMITS__RATIO": "0.75",
        "app_tags": '["x", "y"]',  # case-insensitive, JSON for structured settings
        "UNRELATED": "1",
    }
    settings = load_settings(model, environ=environ)
    assert settings.port == 9000
    assert settings.limits.max_body == 5 and settings.limits.ratio == 0.75
    assert settings.tags == ["x", "y"]


def test_default_environ_and_directory(
    make_service: MakeService, monkeypatch: pytest.MonkeyPatch
) -> None:
    model = model_of(make_service(GOOD))
    monkeypatch.setenv("APP_ENV", "development")
    monkeypatch.setenv("APP_API_KEY", KEY)
    assert load_settings(model).port == 8000


def test_app_env_missing_or_unknown_lists_the_environments(make_service: MakeService) -> None:
    model = model_of(make_service(GOOD))
    with pytest.raises(SettingsError) as missing:
        load_settings(model, environ={})
    text = str(missing.value)
    assert "APP_ENV (environment): is not set" in text
    assert text.endswith("Usage: APP_ENV=<development|production>")
    assert missing.value.exit_code == 2
    with pytest.raises(SettingsError) as unknown:
        load_settings(model, environ={"APP_ENV": "../../etc/passwd"})
    assert "names an unknown environment" in str(unknown.value)
    assert unknown.value.problems[0].kind == "unknown_environment"
    with pytest.raises(SettingsError) as default:
        load_settings(model, environ={"APP_ENV": "default"})  # default.toml is not an env
    assert "unknown environment" in str(default.value)


def test_no_environment_declared(make_service: MakeService) -> None:
    directory = make_service(GOOD)
    model = model_of(directory)
    for file in (directory / "config").iterdir():
        file.unlink()
    with pytest.raises(SettingsError) as exc:
        load_settings(model, environ={"APP_ENV": "production"})
    assert "Usage: APP_ENV=<<none declared>>" in str(exc.value)


def test_every_problem_at_once_with_usage(make_service: MakeService) -> None:
    directory = make_service(
        {
            "default": """
                name = "base"
                [limits]
                ratio = "half"
            """,
            "production": """
                prot = 8443
                [limits]
                max_body = -1
            """,
        }
    )
    model = model_of(directory)
    environ = {"APP_ENV": "production", "APP_DATABASE__PASSWORD": "x", "APP_TAGS": "[1, 2]"}
    with pytest.raises(SettingsError) as exc:
        load_settings(model, environ=environ)
    error = exc.value
    by_setting = {p.setting: p for p in error.problems}
    assert set(by_setting) == {
        "port",
        "limits.max_body",
        "limits.ratio",
        "api_key",
        "prot",
        "tags.0",
        "tags.1",
    }
    assert by_setting["port"].message == "required setting is missing"
    assert by_setting["port"].env_var == "APP_PORT"
    assert by_setting["port"].source is None
    assert by_setting["limits.max_body"].env_var == "APP_LIMITS__MAX_BODY"
    assert by_setting["limits.max_body"].path == str(directory / "config" / "production.toml")
    assert by_setting["limits.max_body"].line == 4
    assert by_setting["limits.ratio"].source == "config/default.toml"
    assert by_setting["prot"].kind == "extra_forbidden" and by_setting["prot"].env_var == ""
    assert by_setting["prot"].line == 2
    assert by_setting["api_key"].secret
    assert "a secret: Vault key or secret file 'api_key'" in by_setting["api_key"].message
    assert by_setting["tags.0"].source == "environment variable"
    assert by_setting["tags.0"].env_var == "APP_TAGS"
    assert error.usage.startswith("Usage: APP_ENV=production APP_PORT=<port> ")
    assert set(error.usage.split()) == {
        "Usage:",
        "APP_ENV=production",
        "APP_PORT=<port>",
        "APP_TAGS=<tags>",
        "APP_API_KEY=<api_key>",
        "APP_LIMITS__MAX_BODY=<max_body>",
        "APP_LIMITS__RATIO=<ratio>",
    }
    text = str(error)
    assert text.startswith("configuration for environment 'production' is invalid (7 problems):")
    assert "half" not in text  # values never appear in messages


def test_secret_values_never_appear_in_errors(make_service: MakeService) -> None:
    model = model_of(make_service(GOOD))
    with pytest.raises(SettingsError) as exc:
        load_settings(model, environ={"APP_ENV": "production", "APP_API_KEY": "short"})
    assert "short" not in str(exc.value)
    assert exc.value.problems[0].setting == "api_key"
    assert "(1 problem):" in str(exc.value)


def test_structured_env_value_must_be_json(make_service: MakeService) -> None:
    model = model_of(make_service(GOOD))
    environ = {"APP_ENV": "production", "APP_API_KEY": KEY, "APP_TAGS": "not json"}
    with pytest.raises(SettingsError) as exc:
        load_settings(model, environ=environ)
    (problem,) = exc.value.problems
    assert problem.kind == "env_json"
    assert problem.env_var == "APP_TAGS"
    assert "not json" not in str(exc.value)


class Aliased(ServiceSettings):
    tags: list[str] = Field(default=[], validation_alias="TAG_LIST")


def test_structured_env_value_under_an_alias(tmp_path: Path) -> None:
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "production.toml").write_text("")
    with pytest.raises(ConfigError, match="setting 'tags' is not valid JSON"):
        check_settings(Aliased, "production", environ={"TAG_LIST": "x"}, directory=tmp_path)


def test_malformed_file_is_one_of_the_problems(make_service: MakeService) -> None:
    directory = make_service({"production": "port = = 1\n"})
    model = model_of(directory)
    report, settings = check_settings(model, "production", environ={"APP_API_KEY": KEY})
    assert settings is None
    kinds = [p.kind for p in report.problems]
    assert kinds == ["file_error", "missing"]
    assert report.problems[0].line == 1
    assert report.problems[0].render().endswith("production.toml:1]")


def test_secret_files_and_precedence(
    make_service: MakeService, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    model = model_of(make_service(GOOD))
    secrets = tmp_path / "secrets"
    secrets.mkdir()
    (secrets / "api_key").write_text(KEY + "\n")
    settings = load_settings(
        model, environ={"APP_ENV": "production", "APP_SECRETS_DIR": str(secrets)}
    )
    assert settings.api_key.get_secret_value() == KEY
    # environment variables win over secret files
    settings = load_settings(
        model,
        environ={"APP_ENV": "production", "APP_SECRETS_DIR": str(secrets), "APP_API_KEY": "z" * 9},
    )
    assert settings.api_key.get_secret_value() == "z" * 9
    # the default directory (/run/secrets) is used when it exists
    monkeypatch.setattr(config, "DEFAULT_SECRETS_DIR", secrets)
    report, settings = check_settings(model, "production", environ={})
    assert settings is not None and report.origins["api_key"].startswith("secret file in ")
    assert report.origins["port"] == "config/production.toml"
    assert report.origins["name"] == "config/default.toml"
    assert report.origins["database"] == "model default"
    # ... and silently skipped when it does not
    monkeypatch.setattr(config, "DEFAULT_SECRETS_DIR", tmp_path / "absent")
    report, settings = check_settings(model, "production", environ={})
    assert settings is None and report.problems[0].setting == "api_key"
    with pytest.raises(ConfigError, match="APP_SECRETS_DIR is not a directory"):
        check_settings(model, "production", environ={"APP_SECRETS_DIR": str(tmp_path / "no")})


@pytest.mark.parametrize("kind", ["fifo", "device", "huge", "dangling"])
def test_secret_files_are_bounded_regular_files(
    make_service: MakeService, tmp_path: Path, kind: str
) -> None:
    """pydantic-settings reads a secret file whole: a FIFO would block it forever, /dev/zero
    would exhaust memory. Each is refused, naming the file; a directory is passed over."""
    model = model_of(make_service(GOOD))
    secrets = tmp_path / "secrets"
    (secrets / "..data").mkdir(parents=True)  # what a Kubernetes secret mount holds
    target = secrets / "api_key"
    if kind == "fifo":
        os.mkfifo(target)
    elif kind == "device":
        target.symlink_to("/dev/zero")
    elif kind == "huge":
        target.write_bytes(b"x" * (config.MAX_SECRET_FILE_BYTES + 1))
    else:
        target.symlink_to(tmp_path / "nowhere")
    reason = {
        "fifo": "secret file is not a regular file",
        "device": "secret file is not a regular file",
        "huge": "secret file is larger than 1 MiB",
        "dangling": "cannot read secret file: No such file or directory",
    }[kind]
    with pytest.raises(ConfigError, match=reason) as err:
        load_settings(model, environ={"APP_ENV": "production", "APP_SECRETS_DIR": str(secrets)})
    assert err.value.path == str(target)


def test_files_only_defers_missing_secrets(make_service: MakeService) -> None:
    model = model_of(make_service(GOOD))
    report, settings = check_settings(
        model, "production", environ={"APP_PORT": "oops", "APP_API_KEY": KEY}, files_only=True
    )
    assert report.ok and report.deferred == ("api_key",)
    assert settings is None  # a missing secret means there is no settings object
    assert report.secrets == ("api_key", "database.password")


def test_model_level_error_has_no_variable(tmp_path: Path) -> None:
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "production.toml").write_text('port = 1\ntls_cert = "c.pem"\n')
    report, _ = check_settings(ServerSettings, "production", environ={}, directory=tmp_path)
    (problem,) = report.problems
    assert problem.setting == "" and problem.env_var == ""
    assert problem.render().startswith("(settings): Value error, tls_cert and tls_key")


def test_problem_render_variants() -> None:
    assert Problem("a", "APP_A", "bad", "x").render() == "APP_A (a): bad"
    assert Problem("a", "", "bad", "x", path="f.toml").render() == "a: bad [f.toml]"
    assert Problem("a", "", "bad", "x", path="f.toml", line=3).render() == "a: bad [f.toml:3]"
    assert Problem("a", "", "bad", "x", source="vault").render() == "a: bad [from vault]"
    assert Problem("a", "", "bad", "x", source="vault").render(where=False) == "a: bad"


class Node(BaseModel):
    token: SecretStr | None = None
    child: Node | None = None


class Tree(ServiceSettings):
    root: Node = Node()
    plain: str = ""
    keys: list[SecretStr] = []


def test_secret_paths_walks_nested_and_recursive_models() -> None:
    assert secret_paths(Tree) == {("root", "token"), ("keys",)}


@pytest.mark.parametrize(
    ("key", "secret"),
    [
        ("password", True),
        ("db_password", True),
        ("DB-PASSPHRASE", True),
        ("secret_key", True),
        ("client_secret", True),
        ("access_token", True),
        ("apikey", True),
        ("private_key", True),
        ("credentials", True),
        ("bypass", False),
        ("max_tokens", False),
        ("token_ttl", False),
        ("keyboard", False),
    ],
)
def test_secret_looking_names(key: str, secret: bool) -> None:
    assert bool(config.SECRET_NAME.search(key)) is secret


def test_committed_secrets_found_by_type_and_by_name(make_service: MakeService) -> None:
    directory = make_service(
        {
            "default": 'api_key = ""\nname = "x"\n',
            "production": """
                port = 1
                api_key = "hunter22hunter22"
                tags = []
                [database]
                url = "postgres://db"
                password = "p@ss"
            """,
            "staging": """
                port = 1
                [extra]
                db_password = "x"
                access_token = 3
                empty = {}
            """,
        }
    )
    model = model_of(directory)
    hits = committed_secrets(model, directory)
    found = [(h.path.name, h.setting, h.line) for h in hits]
    assert found == [
        ("production.toml", "api_key", 3),
        ("production.toml", "database.password", 7),
        ("staging.toml", "extra.db_password", 4),
    ]
