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
