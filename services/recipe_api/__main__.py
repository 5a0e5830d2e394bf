"""``python -m services.recipe_api``: load the settings (APP_ENV selects them), then serve."""

import sys

from gatekeeper.service.server import run
from services.recipe_api.app import create_app
from services.recipe_api.settings import Settings

sys.exit(run("recipe-api", Settings, create_app))
