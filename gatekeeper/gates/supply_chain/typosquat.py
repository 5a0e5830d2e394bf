"""Typosquat detection: is a dependency name a popular PyPI name, mutated the way squatters do?

The mutations of a name are generated and looked up in a set of popular names, so checking one
name costs a few thousand set lookups whatever the list's length (never an edit-distance scan
of it). The list (``top_pypi.txt``, most downloaded first) is read on the first check.

A name that is itself in the shipped list is popular and never a finding, however close it is
to a more popular one (``urllib3``/``urllib``, ``jinja2``/``jinja``).
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import resources

#: The characters of a PEP 503 normalised name.
ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789-"
#: Look-alikes, both ways: ``rn``/``m``, ``l``/``1``/``i`` (``I`` once lower-cased), ``0``/``o``,
#: ``vv``/``w``.
HOMOGLYPHS = (("rn", "m"), ("l", "1"), ("l", "i"), ("i", "1"), ("0", "o"), ("vv", "w"))
#: What squatters put around a popular name (the name itself may carry one already).
PREFIXES = ("python-", "python", "py-", "py")
SUFFIXES = ("-python", "python", "-py", "py", "-dev", "-lib", "-sdk", "2", "3", "-2", "-3")
#: Popular names shorter than this are only matched by the mutations that keep the length
#: meaningful (separators, homoglyphs, swaps, affixes), not by a one-character edit: one edit
#: away from ``six`` or ``idna`` is half of the short names on PyPI.
MIN_EDIT_LENGTH = 5


@dataclass(frozen=True, slots=True)
class Match:
    """``name`` resembles the popular ``target`` (its download rank) by ``kind`` of mutation."""

    name: str
    target: str
    rank: int
    kind: str


@functools.cache
def ranks() -> dict[str, int]:
    """Normalised popular name → download rank (1 is the most downloaded)."""
    text = resources.files(__package__).joinpath("top_pypi.txt").read_text(encoding="utf-8")
    names = (line.strip() for line in text.splitlines())
    kept = (n for n in names if n and not n.startswith("#"))
    found: dict[str, int] = {}
    for rank, name in enumerate(kept, 1):
        found.setdefault(name, rank)
    return found


def _compact(name: str) -> str:
    return name.replace("-", "")


def _collapse(name: str) -> str:
    """Runs of a repeated character as one (``reqquests`` → ``requests`` → ``requests``)."""
    return "".join(char for char, _ in itertools.groupby(name))


def _edits(name: str) -> Iterator[tuple[str, str]]:
    """(candidate, kind): the popular name ``name`` would be after undoing one edit."""
    for i in range(len(name)):
        deleted = name[:i] + name[i + 1 :]
        repeated = (i > 0 and name[i - 1] == name[i]) or name[i + 1 : i + 2] == name[i]
        yield deleted, "repeated character" if repeated else "inserted character"
    for i in range(len(name) - 1):
        if name[i] != name[i + 1]:
            yield name[:i] + name[i + 1] + name[i] + name[i + 2 :], "swapped characters"
    for i in range(len(name) + 1):
        for char in ALPHABET:
            omitted = name[i - 1 : i] == char or name[i : i + 1] == char
            yield (
                name[:i] + char + name[i:],
                "omitted character" if omitted else "deleted character",
            )
    for i, old in enumerate(name):
        for char in ALPHABET:
            if char != old:
                yield name[:i] + char + name[i + 1 :], "substituted character"


def _homoglyphs(name: str) -> Iterator[str]:
    for one, other in HOMOGLYPHS:
        for old, new in ((one, other), (other, one)):
            start = name.find(old)
            while start != -1:
                yield name[:start] + new + name[start + len(old) :]
                start = name.find(old, start + 1)


def _affixes(name: str) -> Iterator[tuple[str, str]]:
    for prefix in PREFIXES:
        if name.startswith(prefix):
            yield name.removeprefix(prefix).strip("-"), f"added prefix {prefix!r}"
        yield prefix + name, f"removed prefix {prefix!r}"
    for suffix in SUFFIXES:
        if name.endswith(suffix):
            yield name.removesuffix(suffix).strip("-"), f"added suffix {suffix!r}"
        yield name + suffix, f"removed suffix {suffix!r}"


@functools.cache
def _index(top: int) -> tuple[dict[str, int], dict[str, str], dict[str, str], dict[str, str]]:
    """The ``top`` popular names, and the same keyed by their compact, collapsed and
    word-sorted forms (the most popular name wins a shared key)."""
    names = {name: rank for name, rank in ranks().items() if rank <= top}
    compact: dict[str, str] = {}
    collapsed: dict[str, str] = {}
    words: dict[str, str] = {}
    for name in names:  # in rank order
        compact.setdefault(_compact(name), name)
        collapsed.setdefault(_collapse(name), name)
        if "-" in name:
            words.setdefault("-".join(sorted(name.split("-"))), name)
    return names, compact, collapsed, words


def _candidates(
    name: str, compact: dict[str, str], collapsed: dict[str, str], words: dict[str, str]
) -> Iterator[tuple[str | None, str, bool]]:
    """(popular candidate, kind, is an edit), the likeliest kinds first."""
    yield compact.get(_compact(name)), "separators", False
    for candidate in _homoglyphs(name):
        yield candidate, "homoglyph", False
    yield collapsed.get(_collapse(name)), "repeated or omitted characters", False
    if "-" in name:
        yield words.get("-".join(sorted(name.split("-")))), "swapped words", False
    for candidate, kind in _affixes(name):
        yield candidate, kind, False
    for candidate, kind in _edits(name):
        yield candidate, kind, True


def resembles(name: str, top: int, allowed: frozenset[str] = frozenset()) -> Match | None:
    """The popular name (among the ``top`` most downloaded) ``name`` is a typosquat of, or None.

    ``name`` is PEP 503 normalised. A name in the shipped list, or in ``allowed``, is not.
    """
    if name in ranks() or name in allowed:
        return None
    names, compact, collapsed, words = _index(top)
    for candidate, kind, edit in _candidates(name, compact, collapsed, words):
        if candidate is None or candidate not in names:
            continue
        if edit and len(candidate) < MIN_EDIT_LENGTH:
            continue
        return Match(name, candidate, names[candidate], kind)
    return None
