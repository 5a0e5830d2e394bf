"""``[coverage]``: the coverage gate."""

from __future__ import annotations

from pydantic import Field

from gatekeeper.policy.schema.common import GateSection


class CoveragePolicy(GateSection):
    #: Required line coverage in percent. There are only two numbers: 100 and everything else.
    lines: float = Field(default=100.0, ge=0, le=100)
    #: Required branch coverage in percent.
    branches: float = Field(default=100.0, ge=0, le=100)
    #: Test command run under coverage.py when no ``data`` file is given: an argv list, never a
    #: shell. ``python`` means the project's interpreter: an active ``VIRTUAL_ENV``, then
    #: ``.venv/``, then ``python`` (then ``python3``) on PATH.
    command: list[str] = Field(
        default_factory=lambda: ["python", "-m", "pytest", "-q"], min_length=1
    )
    #: Read existing coverage data instead of running tests: .coverage, coverage.json or .xml.
    data: str | None = Field(default=None, min_length=1)
    #: Source directories whose every .py file must be measured, imported or not.
    source: list[str] = Field(default_factory=list)
    #: Deadline for the test command (and each coverage step), in seconds; at the deadline its
    #: whole process group is killed and the gate errors (exit 2).
    timeout_s: float = Field(default=1800.0, gt=0)
