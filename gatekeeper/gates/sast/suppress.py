"""``# nosec`` comments: which test IDs each names, and the reason given after them.

``# nosec B602, B607 - input is a constant``: the IDs (``B`` and three digits, separated by
commas or spaces), then a reason after ``-``, ``:`` or another ``#``. A comment naming no ID is
bare: it suppresses nothing (bandit would have suppressed every test on the line).
"""

from __future__ import annotations

import io
import re
import tokenize
from dataclasses import dataclass

_NOSEC = re.compile(r"#\s*nosec\b:?(?P<rest>.*)", re.IGNORECASE)
_IDS = re.compile(r"\s*(?P<ids>B\d{3}(?:[\s,]+B\d{3})*)\b", re.IGNORECASE)
_SEPARATORS = " \t,-:#–—"


@dataclass(frozen=True, slots=True)
class Nosec:
    """One ``# nosec`` comment."""

    line: int
    ids: tuple[str, ...]
    reason: str
    text: str

    @property
    def bare(self) -> bool:
        return not self.ids


def parse(line: int, comment: str) -> Nosec | None:
    """The ``# nosec`` in ``comment`` (a whole ``#`` comment token), or None."""
    match = _NOSEC.search(comment)
    if match is None:
        return None
    rest = match.group("rest")
    ids: tuple[str, ...] = ()
    if found := _IDS.match(rest):
        ids = tuple(dict.fromkeys(i.upper() for i in re.split(r"[\s,]+", found.group("ids"))))
        rest = rest[found.end() :]
    return Nosec(line, ids, rest.strip(_SEPARATORS), comment.strip())


def nosec_comments(source: bytes) -> dict[int, str]:
    """The comments that mention ``nosec`` in ``source``, by line (only tokenized when the
    word appears at all; a file that does not tokenize has none)."""
    if b"nosec" not in source.lower():
        return {}
    comments = {}
    try:
        for token in tokenize.tokenize(io.BytesIO(source).readline):
            if token.type == tokenize.COMMENT and _NOSEC.search(token.string):
                comments[token.start[0]] = token.string
    except (tokenize.TokenError, SyntaxError):
        pass
    return comments
