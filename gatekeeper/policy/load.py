"""Find, merge and validate the policy.

Resolution, first match wins for the *base* policy:

1. ``--policy FILE`` (or ``GATEKEEPER_POLICY``);
2. ``policies/default.toml`` in the scanned repository (the organization's policy as code);
3. the built-in default shipped inside the package (same content as ``policies/default.toml``).

Then ``[tool.gatekeeper]`` from the scanned repository's ``pyproject.toml`` is merged on top:
tables merge key by key, any other value replaces the base value, except ``waiver`` lists, which
are concatenated (a repository adds waivers; it cannot delete the organization's).

Every problem is reported at once, each blamed on the last file that mentions its key, with the
line (:class:`~gatekeeper.policy.validate.InvalidPolicy`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from gatekeeper.errors import PolicyError
from gatekeeper.policy.model import Policy
from gatekeeper.policy.validate import (
    Invalid,
    InvalidPolicy,
    Key,
    Problem,
    as_mapping,
    from_mapping,
    read,
    table,
)
from gatekeeper.tomlfile import loads, locate, merge, read_error, read_text

BUILTIN = "<built-in default policy>"
COMMAND_LINE = "<command line>"
ORG_POLICY = Path("policies") / "default.toml"
#: Array keys whose entries add up across files instead of replacing each other.
APPENDED = frozenset({"waiver"})


@dataclass(frozen=True, slots=True)
class Source:
    """One file that contributed to the policy, and where its keys live inside it."""

    name: str
    data: Mapping[str, Any]
    text: str
    prefix: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class LoadedPolicy:
    policy: Policy
    sources: tuple[str, ...]


def builtin_text() -> str:
    return (Path(__file__).parent / "default.toml").read_text("utf-8")


def _read(path: Path) -> str:
    try:
        return read_text(path)
    except FileNotFoundError:
        raise PolicyError("policy file not found", path=path) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise PolicyError(f"cannot read policy file: {read_error(exc)}", path=path) from None


def _texts(root: Path, explicit: Path | None) -> list[tuple[str, str]]:
    """``(name, text)`` of the base policy and, if present, the repository's pyproject.toml."""
    if explicit is not None:
        texts = [(str(explicit), _read(explicit))]
    elif (root / ORG_POLICY).is_file():
        texts = [(str(root / ORG_POLICY), _read(root / ORG_POLICY))]
    else:
        texts = [(BUILTIN, builtin_text())]
    pyproject = root / "pyproject.toml"
    if pyproject.is_file():
        texts.append((str(pyproject), _read(pyproject)))
    return texts


def _tool_table(
    data: Mapping[str, Any], name: str, text: str, problems: list[Problem]
) -> Mapping[str, Any] | None:
    """pyproject.toml's ``[tool.gatekeeper]``; a ``tool`` or ``tool.gatekeeper`` that is not a
    table is a problem."""
    value: Any = data
    for depth, key in enumerate(("tool", "gatekeeper"), 1):
        value = value.get(key)
        if value is None:
            return None
        try:
            table(value)
        except Invalid as exc:
            where = ("tool", "gatekeeper")[:depth]
            problems.append(Problem(where, str(exc), name, locate(text, where)))
            return None
    return cast(Mapping[str, Any], value)


def _sources(texts: Sequence[tuple[str, str]], problems: list[Problem]) -> list[Source]:
    (name, text), *rest = texts
    sources = [Source(name, loads(text, name, PolicyError), text)]
    for name, text in rest:  # pyproject.toml: only its [tool.gatekeeper] table counts
        tool = _tool_table(loads(text, name, PolicyError), name, text, problems)
        if tool is not None:
            sources.append(Source(name, tool, text, ("tool", "gatekeeper")))
    return sources


def _depth(data: Any, key: Key) -> int:
    """How many leading parts of ``key`` lead to a value in ``data``."""
    for depth, part in enumerate(key):
        if isinstance(data, Mapping) and part in data:
            data = data[part]
        elif isinstance(data, list) and isinstance(part, int) and 0 <= part < len(data):
            data = data[part]
        else:
            return depth
    return len(key)


def _blame(problem: Problem, sources: Sequence[Source]) -> Problem:
    """``problem`` with the file that set its key (the overlay wins a tie), and the line.

    A waiver's index counts across files (their lists are concatenated): it is turned back into
    the index inside the file that holds that waiver.
    """
    owner, key, depth, before = sources[-1], problem.key, -1, 0
    for source in sources:
        local = problem.key
        if local[:1] == ("waiver",) and len(local) > 1 and isinstance(local[1], int):
            local = ("waiver", local[1] - before, *local[2:])
            waivers = source.data.get("waiver")
            before += len(waivers) if isinstance(waivers, list) else 0
        found = _depth(source.data, local)
        if found >= depth:
            owner, key, depth = source, local, found
    line = locate(owner.text, key, owner.prefix)
    return Problem(problem.key, problem.message, owner.name, line)


def load_policy(root: Path, explicit: Path | None = None) -> LoadedPolicy:
    """The merged, validated policy for the repository at ``root``."""
    problems: list[Problem] = []
    sources = _sources(_texts(root, explicit), problems)
    data: dict[str, Any] = {}
    for source in sources:
        data = merge(data, source.data, APPENDED)
    policy, found = read(Policy, data)
    problems += [_blame(p, sources) for p in found]
    if problems:
        raise InvalidPolicy(problems)
    return LoadedPolicy(policy, tuple(s.name for s in sources))


def with_overrides(policy: Policy, overrides: Mapping[str, Mapping[str, Any]]) -> Policy:
    """``policy`` with section keys replaced (from command-line flags), validated again."""
    return from_mapping(Policy, merge(as_mapping(policy), overrides), COMMAND_LINE)
