"""Find, merge and validate the policy.

Resolution, first match wins for the *base* policy:

1. ``--policy FILE`` (or ``GATEKEEPER_POLICY``);
2. ``policies/default.toml`` in the scanned repository (the organization's policy as code);
3. the built-in default shipped inside the package (same content as ``policies/default.toml``).

Then ``[tool.gatekeeper]`` from the scanned repository's ``pyproject.toml`` is merged on top:
tables merge key by key, any other value replaces the base value, except ``waiver`` lists, which
are concatenated (a repository adds waivers; it cannot delete the organization's).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar, cast

from gatekeeper.errors import PolicyError
from gatekeeper.policy.model import Policy

BUILTIN = "<built-in default policy>"
ORG_POLICY = Path("policies") / "default.toml"
T = TypeVar("T")


@dataclass(frozen=True)
class Source:
    """One file that contributed to the policy, and where its keys live inside it."""

    name: str
    data: Mapping[str, Any]
    text: str | None = None
    prefix: tuple[str, ...] = ()


@dataclass(frozen=True)
class LoadedPolicy:
    policy: Policy
    sources: tuple[str, ...]


def builtin_text() -> str:
    return (Path(__file__).parent / "default.toml").read_text("utf-8")


def _parse(text: str, name: str) -> dict[str, Any]:
    import tomllib  # here, not at the top: a policy-cache hit parses no TOML

    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        from gatekeeper.toml_errors import describe

        reason, line = describe(exc)
        raise PolicyError(
            f"malformed TOML: {reason}", path=name, line=line, hint="fix the syntax"
        ) from None


def _read(path: Path) -> str:
    try:
        return path.read_text("utf-8")
    except FileNotFoundError:
        raise PolicyError("policy file not found", path=path) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise PolicyError(f"cannot read policy file: {exc.__class__.__name__}", path=path) from None


def merge(base: Mapping[str, Any], overlay: Mapping[str, Any]) -> dict[str, Any]:
    """Deep-merge ``overlay`` onto ``base`` (see the module docstring for the rule)."""
    merged = dict(base)
    for key, value in overlay.items():
        current = merged.get(key)
        if isinstance(current, Mapping) and isinstance(value, Mapping):
            merged[key] = merge(current, value)
        elif key == "waiver" and isinstance(current, list) and isinstance(value, list):
            merged[key] = [*current, *value]
        else:
            merged[key] = value
    return merged


def locate(text: str, loc: Sequence[str | int], prefix: Sequence[str] = ()) -> int | None:
    """Best-effort line number of the key at ``loc`` in a TOML document.

    Finds the table header for the leading keys (``[a.b]`` or the n-th ``[[a]]``), then the key
    itself below it. Returns the header's line when the key is absent (a missing required key).
    """
    keys = [*prefix, *loc]
    lines = text.splitlines()
    start, table = 0, []
    # Walk down the path as far as table headers go.
    for depth in range(len(keys), 0, -1):
        head = keys[:depth]
        if isinstance(head[-1], int):
            index, name = head[-1], ".".join(str(k) for k in head[:-1])
            pattern = re.compile(rf"^\s*\[\[\s*{re.escape(name)}\s*\]\]")
            hits = [i for i, line in enumerate(lines) if pattern.match(line)]
            if index < len(hits):
                start, table = hits[index], head
                break
        else:
            name = ".".join(str(k) for k in head)
            pattern = re.compile(rf"^\s*\[\s*{re.escape(name)}\s*\]")
            hit = next((i for i, line in enumerate(lines) if pattern.match(line)), None)
            if hit is not None:
                start, table = hit, head
                break
    rest = [k for k in keys[len(table) :] if isinstance(k, str)]
    if rest:
        key = re.compile(rf"^\s*[\"']?{re.escape(rest[0])}[\"']?\s*[.=]")
        for i in range(start + 1 if table else 0, len(lines)):
            if table and lines[i].lstrip().startswith("["):
                break
            if key.match(lines[i]):
                return i + 1
    return start + 1 if table else None


def _validate(data: Mapping[str, Any], sources: Sequence[Source]) -> dict[str, Any]:
    """Validate with the pydantic schema; the validated policy's JSON form."""
    from pydantic import ValidationError

    from gatekeeper.policy.schema.model import Policy as PolicySchema

    try:
        return PolicySchema.model_validate(data).model_dump(mode="json")
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = [p for p in first["loc"] if isinstance(p, str | int)]
        dotted = ".".join(str(p) for p in loc) or "(top level)"
        problem = first["msg"]
        if first["type"] == "extra_forbidden":
            problem = "unknown key (a typo here would silently change the policy)"
        elif first["type"] == "missing":
            problem = "required key is missing"
        # Blame the last source that mentions the key's table (the overlay wins over the base).
        blamed = sources[-1]
        line = None
        for source in reversed(sources):
            if source.text is None:
                continue
            line = locate(source.text, loc, source.prefix)
            if line is not None:
                blamed = source
                break
        more = len(exc.errors()) - 1
        suffix = f" (and {more} more problem{'s' if more > 1 else ''})" if more else ""
        raise PolicyError(
            f"{dotted}: {problem}{suffix}",
            path=blamed.name,
            line=line,
            hint="see policies/default.toml for every key and its meaning",
        ) from None


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


def _sources(texts: Sequence[tuple[str, str]]) -> list[Source]:
    (name, text), *rest = texts
    sources = [Source(name, _parse(text, name), text)]
    for name, text in rest:  # pyproject.toml: only its [tool.gatekeeper] table counts
        tool = _parse(text, name).get("tool", {}).get("gatekeeper")
        if tool is not None:
            if not isinstance(tool, dict):
                raise PolicyError("[tool.gatekeeper] must be a table", path=name)
            sources.append(Source(name, tool, text, ("tool", "gatekeeper")))
    return sources


def _from_cache(entry: Any) -> LoadedPolicy | None:
    try:
        return LoadedPolicy(Policy.from_json(entry["policy"]), tuple(entry["sources"]))
    except (KeyError, TypeError, ValueError, AttributeError):
        return None  # a corrupt or foreign entry: validate again


def load_policy(root: Path, explicit: Path | None = None) -> LoadedPolicy:
    """The merged, validated policy for the repository at ``root``.

    Validated with the pydantic schema once per distinct set of sources; later runs read the
    validated policy from the cache (:mod:`gatekeeper.policy.cache`) without importing pydantic.
    """
    from gatekeeper.policy import cache

    texts = _texts(root, explicit)
    path = cache.entry_path(texts)
    if (loaded := _from_cache(cache.read(path))) is not None:
        return loaded
    sources = _sources(texts)
    data: dict[str, Any] = {}
    for source in sources:
        data = merge(data, source.data)
    validated = _validate(data, sources)
    names = [s.name for s in sources]
    cache.write(path, {"sources": names, "policy": validated})
    return LoadedPolicy(Policy.from_json(validated), tuple(names))


def validate_as(cls: type[T], data: Mapping[str, Any]) -> T:
    """Validate ``data`` with the schema of the runtime class ``cls``; an instance of ``cls``.

    Raises pydantic's ``ValidationError`` (for tests and callers holding plain mappings).
    """
    from gatekeeper.policy.schema import audit, certs, common, config, coverage, internal, model

    modules = (model, certs, common, audit, config, coverage, internal)
    schema = next(getattr(m, cls.__name__) for m in modules if hasattr(m, cls.__name__))
    validated = schema.model_validate(data).model_dump(mode="json")
    return cast(T, cls.from_json(validated))  # type: ignore[attr-defined]


def with_overrides(policy: Policy, overrides: Mapping[str, Mapping[str, Any]]) -> Policy:
    """``policy`` with section keys replaced (from command-line flags), validated again.

    Cached like :func:`load_policy`, keyed by the policy and the overrides.
    """
    from gatekeeper.policy import cache

    base = policy.to_json()
    extra = {k: dict(v) for k, v in overrides.items()}
    try:
        material = [
            ("<policy>", json.dumps(base, sort_keys=True)),
            ("<command line>", json.dumps(extra, sort_keys=True)),
        ]
    except TypeError:  # an override that JSON cannot express: validate without the cache
        material = None
    path = None if material is None else cache.entry_path(material)
    if path is not None and (loaded := _from_cache(cache.read(path))) is not None:
        return loaded.policy
    data = merge(base, extra)
    validated = _validate(data, [Source("<command line>", data)])
    if path is not None:
        cache.write(path, {"sources": [], "policy": validated})
    return Policy.from_json(validated)
