"""recipe-api: ``GET /recipes/{id}``, ``POST /recipes`` (validated, bearer token), ``/health``."""
