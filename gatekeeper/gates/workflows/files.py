"""The files the workflows gate checks, read safely and parsed into line-numbered YAML nodes.

Scope: ``.github/workflows/*.yml|*.yaml``, ``action.yml|action.yaml`` at the root, and every
``action.yml|action.yaml`` under ``.github/actions/`` (composite actions). Only regular files
inside the repository are read, at most :data:`MAX_BYTES` of them.

Anchors and aliases are accepted, because GitHub Actions accepts them. PyYAML's composer keeps
an alias as a reference to the anchored node (nothing is copied), so composing is linear in
the input; what could explode is walking the tree. Every walk goes through one :class:`Doc`,
which counts the nodes it visits and stops at :data:`MAX_NODES` (an alias bomb, or a recursive
alias, which compose allows): the file is then a malformed-workflow finding, never a hang.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    import yaml

#: Workflows are kilobytes; larger files are refused.
MAX_BYTES = 1 << 20
#: Nodes one file's walks may visit in all, aliases expanded.
MAX_NODES = 200_000

#: Nested ``<<`` merges followed (a merge of itself would recurse for ever).
MAX_MERGE_DEPTH = 32

Kind = Literal["workflow", "action"]
_YAML_SUFFIXES = (".yml", ".yaml")
ACTION_NAMES = ("action.yml", "action.yaml")
_MERGE_TAG = "tag:yaml.org,2002:merge"


class Unreadable(Exception):
    """A file in scope that cannot be checked; ``line`` when the problem has one."""

    def __init__(self, reason: str, line: int | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.line = line


class TooLarge(Unreadable):
    """A walk visited more than :data:`MAX_NODES` nodes."""

    def __init__(self) -> None:
        super().__init__(
            f"expands to more than {MAX_NODES} YAML nodes (an alias bomb or a recursive alias)"
        )


@dataclass(frozen=True, slots=True)
class Source:
    """One file in scope: its path relative to the root (POSIX) and what it is."""

    path: str
    kind: Kind


def discover(root: Path) -> list[Source]:
    """Every file in scope at ``root``, sorted by path. Symlinked directories are not entered."""
    found: list[Source] = []
    workflows = root / ".github" / "workflows"
    if workflows.is_dir() and not workflows.is_symlink():
        found += [
            Source(f".github/workflows/{entry.name}", "workflow")
            for entry in os.scandir(workflows)
            if entry.name.endswith(_YAML_SUFFIXES)
        ]
    found += [Source(name, "action") for name in ACTION_NAMES if _exists(root / name)]
    actions = root / ".github" / "actions"
    if actions.is_dir() and not actions.is_symlink():
        for directory, _dirs, names in os.walk(actions):
            base = Path(directory).relative_to(root).as_posix()
            found += [Source(f"{base}/{n}", "action") for n in names if n in ACTION_NAMES]
    return sorted(found, key=lambda s: s.path)


def _exists(path: Path) -> bool:
    return path.is_symlink() or path.exists()


def read_text(root: Path, source: Source) -> str:
    """The text of ``source``; raises :class:`Unreadable` for a file outside the repository,
    not regular (a FIFO, a device), larger than :data:`MAX_BYTES`, or not UTF-8."""
    from gatekeeper.fsutil import read_bounded

    path = root / source.path
    try:
        inside = path.resolve().is_relative_to(root.resolve())
    except (OSError, RuntimeError):  # RuntimeError: a symlink loop, before Python 3.13
        inside = False
    if not inside:
        raise Unreadable("leads outside the repository (a symlink): not read")
    try:
        data = read_bounded(path, MAX_BYTES)
    except OSError as exc:
        raise Unreadable(f"cannot read: {exc.strerror or exc}") from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise Unreadable("not UTF-8", line) from None


def compose(text: str) -> yaml.Node:
    """The node tree of ``text``'s single document; raises :class:`Unreadable` with the line of
    a YAML error, or for an empty document."""
    import yaml

    from gatekeeper.yamlsafe import safe_loader

    try:
        node: yaml.Node | None = yaml.compose(text, Loader=safe_loader())
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        problem = getattr(exc, "problem", None) or "malformed"
        raise Unreadable(f"malformed YAML: {problem}", line) from None
    if node is None:
        raise Unreadable("empty document")
    return node


def line_of(node: yaml.Node) -> int:
    """The 1-based line ``node`` starts on."""
    return int(node.start_mark.line) + 1


class Doc:
    """Walks over one file's nodes within the :data:`MAX_NODES` budget (shared by every walk)."""

    def __init__(self, text: str, root: yaml.Node, budget: int = MAX_NODES) -> None:
        self.lines = text.splitlines()
        self.root = root
        self._left = budget

    def _tick(self) -> None:
        self._left -= 1
        if self._left < 0:
            raise TooLarge

    def text_at(self, line: int) -> str:
        """The source line ``line`` (1-based) stripped, for fingerprints."""
        return self.lines[line - 1].strip() if 0 < line <= len(self.lines) else ""

    def items(
        self, node: yaml.Node | None, _depth: int = 0
    ) -> list[tuple[str, yaml.Node, yaml.Node]]:
        """``(key, key node, value node)`` of a mapping, ``<<`` merges applied (explicit keys
        win); ``[]`` for anything else. Keys that are not scalars are left out."""
        import yaml

        if _depth > MAX_MERGE_DEPTH:
            raise TooLarge
        if not isinstance(node, yaml.MappingNode):
            return []
        merged: dict[str, tuple[str, yaml.Node, yaml.Node]] = {}
        explicit: dict[str, tuple[str, yaml.Node, yaml.Node]] = {}
        for key, value in node.value:
            self._tick()
            if key.tag == _MERGE_TAG:
                sources = value.value if isinstance(value, yaml.SequenceNode) else [value]
                for source in sources:
                    merged.update((k, (k, kn, vn)) for k, kn, vn in self.items(source, _depth + 1))
            elif isinstance(key, yaml.ScalarNode):
                explicit[str(key.value)] = (str(key.value), key, value)
        return list({**merged, **explicit}.values())

    def get(self, node: yaml.Node | None, key: str) -> yaml.Node | None:
        """The value at ``key`` of a mapping node, or None."""
        return next((v for k, _kn, v in self.items(node) if k == key), None)

    def seq(self, node: yaml.Node | None) -> list[yaml.Node]:
        """The items of a sequence node; ``[]`` for anything else."""
        import yaml

        if not isinstance(node, yaml.SequenceNode):
            return []
        for _item in node.value:
            self._tick()
        return list(node.value)

    def scalar(self, node: yaml.Node | None) -> str | None:
        """The text of a scalar node, or None."""
        import yaml

        return str(node.value) if isinstance(node, yaml.ScalarNode) else None

    def scalars(self, node: yaml.Node | None) -> Iterator[yaml.ScalarNode]:
        """Every scalar below ``node`` (mapping values and keys, sequence items), depth first."""
        import yaml

        stack = [] if node is None else [node]
        while stack:
            current = stack.pop()
            self._tick()
            if isinstance(current, yaml.ScalarNode):
                yield current
            elif isinstance(current, yaml.SequenceNode):
                stack.extend(reversed(current.value))
            else:  # a MappingNode: a node is a scalar, a sequence or a mapping
                stack.extend(v for pair in reversed(current.value) for v in reversed(pair))
