"""Libraries the services import: configuration loading and request validation.

* :mod:`gatekeeper.service.config` — ``load_settings(Model)``: one place that reads settings.
* :mod:`gatekeeper.service.validation` — ASGI middlewares and models that check every input.

See docs/service.md.
"""
