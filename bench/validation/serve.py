"""Serve recipe-api with the validation middleware on or off (benchmark only).

    python bench/validation/serve.py on|off

Prints ``... listening on http://127.0.0.1:PORT`` like the service itself; stop with SIGTERM.
"""

from __future__ import annotations

import sys

from gatekeeper.service.server import serve
from services.recipe_api.app import create_app
from services.recipe_api.settings import Settings

TOKEN = "bench-token-0123456789abcdef"


def main(mode: str) -> int:
    settings = Settings(port=0, api_token=TOKEN)
    app = create_app(settings, validation=mode == "on")
    serve(app, settings, name=f"recipe-api[validation {mode}]", environment="bench")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "on"))
