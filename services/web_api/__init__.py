"""web-api: ``GET /recipes/{id}`` combines recipe-api's answer with its own; ``/health``."""
