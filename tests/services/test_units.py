"""In-process pieces of the services that need no server: the store, web-api's use of the
client package (whose own tests are in packages/corp-recipe-client)."""

from __future__ import annotations

from pathlib import Path

import pytest

from gatekeeper.errors import ConfigError
from gatekeeper.service.config import check_settings
from services.recipe_api.app import NewRecipe, RecipeStore, create_app
from services.recipe_api.settings import Settings as RecipeSettings
from services.web_api.app import create_app as create_web_app
from services.web_api.settings import Settings as WebSettings
from tests.services.conftest import TOKEN

RECIPE = NewRecipe(name="n", ingredients=["i"])


def test_store_keeps_the_newest() -> None:
    store = RecipeStore(capacity=2)
    first, second, third = (store.add(RECIPE, "t") for _ in range(3))
    assert store.get(first.id) is None
    assert store.get(second.id) == second and store.get(third.id) == third


def test_validation_can_be_left_out_for_the_benchmark() -> None:
    settings = RecipeSettings(port=0, api_token=TOKEN)
    assert len(create_app(settings).user_middleware) == 4
    assert create_app(settings, validation=False).user_middleware == []


def test_web_api_uses_the_packaged_client_and_reports_a_bad_bundle(tmp_path: Path) -> None:
    missing = tmp_path / "ca.pem"
    settings = WebSettings(port=0, recipe_api_url="https://recipe-api.test", ca_bundle=missing)
    with pytest.raises(ConfigError) as exc:
        create_web_app(settings)
    assert str(exc.value) == (
        f"{missing}: cannot load the CA bundle: No such file or directory "
        "(run `gatekeeper certs init` or set APP_CA_BUNDLE)"
    )
    assert exc.value.exit_code == 2


def test_sample_settings_are_valid_from_files_for_every_environment() -> None:
    for model in (RecipeSettings, WebSettings):
        for env in ("development", "staging", "production"):
            report, _ = check_settings(model, env, environ={}, files_only=True)
            assert report.ok, report.problems
    report, _ = check_settings(RecipeSettings, "production", environ={}, files_only=True)
    assert report.deferred == ("api_token",)


def test_web_settings_refuse_plain_http(tmp_path: Path) -> None:
    report, _ = check_settings(
        WebSettings, "development", environ={"APP_RECIPE_API_URL": "http://x"}
    )
    assert [p.setting for p in report.problems] == ["recipe_api_url"]
