"""One missing or invalid setting: what both the config check and the config gate report.

Standard library only: the config gate's parent process reads problems back from the child that
imported the service's settings, and must not pay for pydantic itself.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One missing or invalid setting. ``env_var`` is empty for an unknown key."""

    setting: str
    env_var: str
    message: str
    kind: str
    source: str | None = None
    path: str | None = None
    line: int | None = None
    secret: bool = False

    def render(self, *, where: bool = True) -> str:
        """``APP_X (x): message [file:line]``; ``where=False`` leaves out the bracket."""
        name = f"{self.env_var} ({self.setting})" if self.env_var else self.setting or "(settings)"
        text = f"{name}: {self.message}"
        if not where:
            return text
        if self.path is not None:
            return f"{text} [{self.path}:{self.line}]" if self.line else f"{text} [{self.path}]"
        if self.source is not None:
            return f"{text} [from {self.source}]"
        return text
