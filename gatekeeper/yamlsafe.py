"""Safe YAML that refuses anchors and aliases.

Aliases are how a few hundred bytes expand to gigabytes (a "billion laughs"); no input
gatekeeper reads (advisories, CI workflows) needs them. The events are checked before anything
is built, with libyaml's parser when available (its composer runs in C, out of reach of a
subclass). PyYAML is imported by the callers' functions only, never at start-up.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import yaml


def safe_loader() -> Any:
    """libyaml's safe loader when PyYAML was built with it, else the pure-Python one."""
    import yaml

    return getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def refuse_aliases(data: bytes | str) -> None:
    """Raise ``yaml.composer.ComposerError`` (a YAMLError, with its mark) at the first anchor or
    alias in ``data``; a syntax error raises the parser's YAMLError."""
    import yaml

    for event in yaml.parse(data, Loader=safe_loader()):
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
            mark = event.start_mark  # libyaml's Mark has the same fields as PyYAML's
            raise yaml.composer.ComposerError(
                None,
                None,
                "anchors and aliases are not allowed",
                mark,  # type: ignore[arg-type]
            )


def compose(data: bytes | str) -> yaml.Node | None:
    """The node tree of ``data``'s single document (nodes keep their line numbers and the
    scalars' text as written: ``3.10`` stays ``"3.10"``), after :func:`refuse_aliases`."""
    import yaml

    refuse_aliases(data)
    node: yaml.Node | None = yaml.compose(data, Loader=safe_loader())
    return node
