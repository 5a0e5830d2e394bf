"""Property tests: any valid pin parses back to its normalized name and exact version, with the
line it starts on, whatever the spacing, comments and continuations around it."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from gatekeeper.deps.requirements import parse_requirements

names = st.from_regex(r"\A[A-Za-z0-9]([A-Za-z0-9._-]{0,12}[A-Za-z0-9])?\Z", fullmatch=True)
versions = st.builds(
    lambda parts, post: ".".join(str(p) for p in parts) + (f".post{post}" if post else ""),
    st.lists(st.integers(0, 99), min_size=1, max_size=4),
    st.one_of(st.none(), st.integers(1, 9)),
)


@settings(max_examples=60, deadline=None)
@given(
    pins=st.lists(st.tuples(names, versions), min_size=1, max_size=8),
    blank=st.booleans(),
    comment=st.booleans(),
    continued=st.booleans(),
)
def test_pins_round_trip(
    pins: list[tuple[str, str]], blank: bool, comment: bool, continued: bool
) -> None:
    lines: list[str] = []
    starts: list[int] = []
    for name, version in pins:
        if blank:
            lines.append("")
        if comment:
            lines.append("# a comment")
        starts.append(len(lines) + 1)
        if continued:
            lines += [f"{name} \\", f"    == {version}  # pinned"]
        else:
            lines.append(f"{name}=={version}")
    deps = parse_requirements("r.txt", {"r.txt": "\n".join(lines) + "\n"}.get)
    assert [(d.name, d.version, d.location.line) for d in deps] == [
        (re.sub(r"[-_.]+", "-", name).lower(), version, line)
        for (name, version), line in zip(pins, starts, strict=True)
    ]
    assert all(d.pinned and d.scope == "prod" for d in deps)


pep440 = st.builds(
    lambda epoch, release, pre, post, dev, local, v: (
        ("v" if v else "")
        + (f"{epoch}!" if epoch else "")
        + ".".join(str(p) for p in release)
        + (pre or "")
        + (post or "")
        + (dev or "")
        + (local or "")
    ),
    st.one_of(st.none(), st.integers(1, 3)),
    st.lists(st.integers(0, 20), min_size=1, max_size=3),
    st.one_of(st.none(), st.sampled_from(["a1", "b2", "rc1", "-alpha.3", "c0", "pre4"])),
    st.one_of(st.none(), st.sampled_from([".post1", "-2", "post3", "_rev4"])),
    st.one_of(st.none(), st.sampled_from([".dev0", "dev5", "-DEV2"])),
    st.one_of(st.none(), st.sampled_from(["+local", "+ubuntu.1", "+abc-7"])),
    st.booleans(),
)


@settings(max_examples=200, deadline=None)
@given(name=names, version=pep440, spaces=st.sampled_from(["", " ", "  ", "\t"]))
def test_fast_pin_path_agrees_with_packaging(name: str, version: str, spaces: str) -> None:
    """A bare pin skips packaging's requirement grammar; the result must be what it gives."""
    from packaging.requirements import Requirement

    text = f"{name}{spaces}=={spaces}{version}"
    (dep,) = parse_requirements("r.txt", {"r.txt": text + "\n"}.get)
    req = Requirement(text)
    (spec,) = req.specifier
    assert (dep.raw_name, dep.version, dep.specifier, dep.pinned) == (
        req.name,
        spec.version,
        str(req.specifier),
        True,
    )
    assert dep.extras == () and dep.marker is None and dep.url is None
