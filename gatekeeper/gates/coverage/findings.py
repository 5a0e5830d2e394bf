"""Turn measured coverage into findings: missed line ranges, branches never taken, thresholds,
exclusion pragmas without a reason, and a failing test command.

Fingerprints use the path and the stripped source text of the range (plus an occurrence number
for identical text in the same file), never line numbers, so they survive code moving around.
"""

from __future__ import annotations

import io
import math
import re
import tokenize
from collections import Counter
from collections.abc import Iterable, Sequence
from fractions import Fraction

from gatekeeper.gates.coverage.data import FileCoverage
from gatekeeper.model import Finding, Location, Rule, Severity

LINES = Rule(
    "GK-COV-001",
    "Lines not covered",
    Severity.MEDIUM,
    description="A contiguous range of statements the tests never ran (info when the totals "
    "meet the threshold).",
)
BRANCH = Rule(
    "GK-COV-002",
    "Branch never taken",
    Severity.MEDIUM,
    description="A branch from an executed line the tests never took (info when the totals "
    "meet the threshold).",
)
LINES_TOTAL = Rule(
    "GK-COV-003",
    "Line coverage below threshold",
    Severity.HIGH,
    description="Total line coverage below `coverage.lines`.",
)
BRANCHES_TOTAL = Rule(
    "GK-COV-004",
    "Branch coverage below threshold",
    Severity.HIGH,
    description="Total branch coverage below `coverage.branches`.",
)
PRAGMA = Rule(
    "GK-COV-005",
    "Coverage exclusion without a reason",
    Severity.MEDIUM,
    description="An exclusion pragma with no reason on its line.",
)
TESTS_FAILED = Rule(
    "GK-COV-006",
    "Test command failed",
    Severity.HIGH,
    description="The test command failed: coverage of a failing suite is not trusted.",
)
NO_BRANCH_DATA = Rule(
    "GK-COV-007",
    "Branch coverage not measured",
    Severity.HIGH,
    description="The coverage data has line data only.",
)
NO_FILES = Rule(
    "GK-COV-008",
    "No source file measured",
    Severity.HIGH,
    description="No source file of the repository was in the coverage data.",
)
UNMAPPED = Rule(
    "GK-COV-009",
    "Installed copy not mapped onto the repository",
    Severity.HIGH,
    description="Coverage data recorded an installed copy (site-packages) that "
    "`[tool.coverage.paths]` does not map onto the repository.",
)
RULES: tuple[Rule, ...] = (
    LINES,
    BRANCH,
    LINES_TOTAL,
    BRANCHES_TOTAL,
    PRAGMA,
    TESTS_FAILED,
    NO_BRANCH_DATA,
    NO_FILES,
    UNMAPPED,
)

_REASON = re.compile(r"[A-Za-z]{3,}")


def percent(covered: int, total: int) -> Fraction:
    return Fraction(100) if total == 0 else Fraction(covered * 100, total)


def floor2(value: Fraction) -> float:
    """Rounded down to 2 decimals, so 99.999 shows as 99.99, never as 100.0."""
    return math.floor(value * 100) / 100


def meets(value: Fraction, threshold: float) -> bool:
    """Exact comparison: the threshold as written (99.99 is 9999/100), no float rounding."""
    return value >= Fraction(repr(threshold))


def ranges(statements: Iterable[int], missing: frozenset[int]) -> list[tuple[int, int]]:
    """Contiguous runs of missed statements (statements in between blank lines stay together)."""
    runs: list[tuple[int, int]] = []
    start: int | None = None
    end = 0
    for line in sorted(statements):
        if line in missing:
            start = line if start is None else start
            end = line
        elif start is not None:
            runs.append((start, end))
            start = None
    if start is not None:
        runs.append((start, end))
    return runs


class Fingerprints:
    """Fingerprint parts plus an occurrence number when the same text repeats in a file."""

    def __init__(self) -> None:
        self._seen: Counter[tuple[str, ...]] = Counter()

    def __call__(self, rule: Rule, *parts: str) -> tuple[object, ...]:
        key = (rule.id, *parts)
        self._seen[key] += 1
        return (*parts, self._seen[key])


def _text(lines: Sequence[str], start: int, end: int) -> str:
    return "\n".join(line.strip() for line in lines[start - 1 : end])


def file_findings(
    cov: FileCoverage,
    lines: Sequence[str],
    changed: frozenset[int],
    severity: Severity | None,
    branch_severity: Severity | None,
    fingerprints: Fingerprints,
    unimported_note: str = "file never imported by the tests",
) -> list[Finding]:
    """One finding per missed range and per branch never taken from an executed line.

    ``severity`` None: the rule's own; INFO when the total already meets the threshold.
    ``unimported_note`` says why a file has no data at all."""
    out: list[Finding] = []
    for start, end in ranges(cov.statements, cov.missing):
        what = f"line {start}" if start == end else f"lines {start}-{end}"
        note = f" ({unimported_note})" if cov.unimported else ""
        touched = any(start <= n <= end for n in changed)
        out.append(
            LINES.finding(
                f"{what} not covered{note}",
                *fingerprints(LINES, cov.path, _text(lines, start, end)),
                location=Location(cov.path, start, None, end),
                severity=severity,
                data={"lines": [start, end], "changed": touched, "unimported": cov.unimported},
            )
        )
    for source, dest in cov.missing_branches:
        if source in cov.missing:
            continue  # the line itself is reported as not covered
        target = "exit" if dest < 0 else str(dest)
        target_text = "exit" if dest < 0 else _text(lines, dest, dest)
        out.append(
            BRANCH.finding(
                f"line {source} → {target} never taken",
                *fingerprints(BRANCH, cov.path, _text(lines, source, source), target_text),
                location=Location(cov.path, source),
                severity=branch_severity,
                data={"from": source, "to": dest, "changed": source in changed},
            )
        )
    return out


def pragma_findings(
    path: str, text: str, patterns: Sequence[str], fingerprints: Fingerprints
) -> list[Finding]:
    r"""Exclusion pragmas (a comment pattern matching inside a comment) with no reason given.

    Comment patterns are the exclusion regexes that mention ``#`` (coverage's default
    ``# pragma: no cover`` and any the repository adds). The reason is the text after the match,
    up to the next ``#``, or else a comment line directly above (``# Python 3.11 only``): it must
    contain a word of three letters or more.
    ``# pragma: no cover - called by the OS only`` passes, ``# pragma: no cover`` and
    ``# pragma: no cover  # noqa`` do not. Code patterns (``if TYPE_CHECKING:``, ``\.\.\.$``)
    are the repository's configured policy and need no comment.
    """
    regexes = [re.compile(p) for p in patterns if "#" in p]
    out: list[Finding] = []
    lines = text.splitlines()
    comments: dict[int, str] = {}
    for token in tokenize.generate_tokens(io.StringIO(text).readline):
        if token.type != tokenize.COMMENT:
            continue
        number, column = token.start
        line = lines[number - 1]
        if not line[:column].strip():
            comments[number] = line
        for regex in regexes:
            match = next((m for m in regex.finditer(line) if m.start() >= column), None)
            if match is None:
                continue
            reason = line[match.end() :].split("#", 1)[0]
            if not _REASON.search(reason) and not _reason_above(comments.get(number - 1), regexes):
                out.append(
                    PRAGMA.finding(
                        f"coverage exclusion {match.group(0).strip()!r} without a reason: say "
                        "why on the same line, e.g. `# pragma: no cover - <why>`, or in a "
                        "comment line directly above",
                        *fingerprints(PRAGMA, path, line.strip()),
                        location=Location(path, number, match.start() + 1),
                    )
                )
            break
    return out


def _reason_above(comment: str | None, regexes: Sequence[re.Pattern[str]]) -> bool:
    """A comment-only line whose text, once any exclusion pragma is taken out, gives a reason."""
    if comment is None:
        return False
    for regex in regexes:
        comment = regex.sub("", comment)
    return bool(_REASON.search(comment))
