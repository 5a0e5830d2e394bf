"""tomllib reports a syntax error's position only inside its message; split it out once."""

from __future__ import annotations

import re
import tomllib

_POSITION = re.compile(r"\s*\(at line (\d+), column \d+\)")


def describe(exc: tomllib.TOMLDecodeError) -> tuple[str, int | None]:
    """The error's reason without the position, and its 1-based line when tomllib gave one."""
    text = str(exc)
    match = _POSITION.search(text)
    return _POSITION.sub("", text), int(match.group(1)) if match else None
