"""``python -m services.web_api``: load the settings (APP_ENV selects them), then serve."""

import sys

from gatekeeper.service.server import run
from services.web_api.app import create_app
from services.web_api.settings import Settings

sys.exit(run("web-api", Settings, create_app))
