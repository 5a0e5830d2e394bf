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


def excerpt(value: object, limit: int = LIMIT) -> str:
    """A string ``repr``-quoted (anything else as its ``repr``), credentials masked, cut to
    ``limit`` characters."""
    text = value if isinstance(value, str) else repr(value)
    masked = mask_credentials(text)
    cut = masked[:limit]
    shown = repr(cut) if isinstance(value, str) else cut
    return shown if len(masked) <= limit else f"{shown}... ({len(text)} characters)"
