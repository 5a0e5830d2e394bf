"""``[internal]``: what counts as an internal package and where it is served."""

from __future__ import annotations

from pydantic import Field

from gatekeeper.policy.schema.common import Strict


class InternalPolicy(Strict):
    #: Distribution name prefixes that are ours (PEP 503 normalized on comparison).
    prefixes: list[str] = Field(default_factory=lambda: ["corp-"])
    #: The internal package index (devpi) simple URL, if any.
    index_url: str | None = None
