"""Durations as people write them: ``90d``, ``720h``, ``1h30m``, ``2w`` or plain seconds."""

from __future__ import annotations

import re

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
_PART = re.compile(r"(\d+)([smhdw])")
_WHOLE = re.compile(r"(?:\d+[smhdw])+")


def parse_duration(text: str) -> int:
    """Seconds in ``text``. Raises ValueError with a readable message on bad input."""
    value = text.strip().lower()
    if value.isdigit():
        seconds = int(value)
    elif _WHOLE.fullmatch(value):
        seconds = sum(int(n) * _UNITS[u] for n, u in _PART.findall(value))
    else:
        raise ValueError(f"invalid duration {text!r} (use e.g. 90d, 720h, 1h30m or seconds)")
    if seconds <= 0:
        raise ValueError(f"invalid duration {text!r}: must be positive")
    return seconds


def format_duration(seconds: int) -> str:
    """The largest exact unit: 7776000 → ``90d``."""
    for unit in ("w", "d", "h", "m"):
        if seconds % _UNITS[unit] == 0:
            return f"{seconds // _UNITS[unit]}{unit}"
    return f"{seconds}s"
