"""Input text quoted in a message: cut short and with URL credentials masked, so a hostile or
secret-bearing line (a token read through ``-r ../vault-token``, ``https://user:pw@host``) is
never echoed back whole."""

from __future__ import annotations

import re

#: How many characters of a line a message quotes.
LIMIT = 80
_CREDENTIALS = re.compile(r"(?<=://)[^/@\s]*@")


def mask_credentials(text: str) -> str:
    """``text`` with the ``user:password@`` of every URL in it replaced by ``***@``."""
    return _CREDENTIALS.sub("***@", text)


def excerpt(text: str, limit: int = LIMIT) -> str:
    """``text`` quoted (``repr``), credentials masked, cut to ``limit`` characters."""
    masked = mask_credentials(text)
    if len(masked) <= limit:
        return repr(masked)
    return f"{masked[:limit]!r}... ({len(text)} characters)"
