"""The devpi side of publishing: a typed client, index set-up and lint, pip settings, and the
release steps (upload, immutability, promotion, provenance, smoke install)."""
