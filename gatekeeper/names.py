"""Names gatekeeper accepts from policy and the command line alike."""

from __future__ import annotations

import re

#: Service and role names: lowercase letters, digits, '-' and '_', at most 63 characters.
#: Always used with ``fullmatch``: ``match`` with ``$`` would accept a trailing newline.
SERVICE_NAME = re.compile(r"[a-z0-9](?:[a-z0-9_-]{0,61}[a-z0-9])?")
