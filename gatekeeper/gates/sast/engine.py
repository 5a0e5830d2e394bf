"""bandit as a library: one :class:`Profile`, and the analysis of a chunk of files with it.

:func:`analyse` runs in worker processes (or in-process): it builds bandit's manager once per
process and profile, and returns each file's result as JSON-compatible data, the form the cache
stores. bandit's own ``# nosec`` handling is off; :mod:`.suppress` applies ours.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import tokenize
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from gatekeeper.gates.sast.suppress import nosec_comments

#: Bumped when the stored form of a result changes (2: decoding errors named as such).
RESULT_FORMAT = 2

FileResult = dict[str, Any]


@dataclass(frozen=True, slots=True)
class Profile:
    """Which bandit tests run, and the ``[tool.bandit]`` configuration their plugins read."""

    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    #: ``pyproject.toml`` holding a ``[tool.bandit]`` table, passed to bandit's config.
    config_file: str | None = None
    #: The ``[tool.bandit]`` table as canonical JSON (part of the cache key).
    config_json: str = "{}"

    def digest(self, bandit_version: str) -> str:
        text = json.dumps(
            [RESULT_FORMAT, bandit_version, self.include, self.exclude, self.config_json]
        )
        return hashlib.sha256(text.encode()).hexdigest()


#: The process's manager and its profile. One only: building bandit's test set sets its plugins'
#: configuration on module-level functions, so a second profile's manager changes the first's.
_CURRENT: list[tuple[Profile, Any]] = []


def _manager(profile: Profile) -> Any:
    if not _CURRENT or _CURRENT[0][0] != profile:
        with warnings.catch_warnings():  # stevedore's deprecations, raised by bandit's import
            warnings.simplefilter("ignore", DeprecationWarning)
            from bandit.core import config, manager

        logging.getLogger("bandit").setLevel(logging.CRITICAL)  # errors become findings
        conf = config.BanditConfig(config_file=profile.config_file)
        spec = {"include": set(profile.include), "exclude": set(profile.exclude)}
        built = manager.BanditManager(conf, "file", quiet=True, profile=spec, ignore_nosec=True)
        _CURRENT[:] = [(profile, built)]
    return _CURRENT[0][1]


def analyse(profile: Profile, files: Sequence[tuple[str, bytes]]) -> list[FileResult]:
    """Each file's result: ``issues`` (bandit's, unsuppressed), ``nosec`` (comments by line)
    and ``error`` (why bandit could not analyse it, or None)."""
    mgr = _manager(profile)
    results: list[FileResult] = []
    for name, source in files:
        undecodable = decoding_error(source)
        if undecodable is not None:  # bandit would call it a syntax error
            results.append({"issues": [], "nosec": {}, "error": undecodable})
            continue
        mgr.results, mgr.skipped = [], []
        mgr._parse_file(name, io.BytesIO(source), [name])  # noqa: SLF001  # the per-file API
        lines = source.splitlines()
        issues = [
            {
                "test_id": i.test_id,
                "test": i.test,
                "severity": i.severity.lower(),
                "confidence": i.confidence.lower(),
                "cwe": i.cwe.id or None,
                "line": i.lineno,
                "lines": sorted(set(i.linerange or [i.lineno])),
                "column": i.col_offset + 1,
                "text": i.text,
                "code": _line(lines, i.lineno),
            }
            for i in mgr.results
        ]
        error = mgr.skipped[0][1] if mgr.skipped else None
        comments = {str(k): v for k, v in nosec_comments(source).items()}
        results.append({"issues": issues, "nosec": comments, "error": error})
    return results


def decoding_error(source: bytes) -> str | None:
    """Why ``source`` cannot be decoded as Python source (its PEP 263 encoding, else UTF-8),
    naming the line; None when it can. The message holds no byte of the file."""
    problem = None
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(source).readline)
    except SyntaxError as exc:  # an unknown encoding, a cookie against a BOM, bad first lines
        encoding, problem = "utf-8", exc.msg
    try:
        source.decode(encoding)
    except UnicodeDecodeError as exc:
        line = source.count(b"\n", 0, exc.start) + 1
        return f"cannot be decoded as {encoding} (line {line}: {exc.reason})"
    return None if problem is None else f"cannot be decoded: {problem}"


def _line(lines: list[bytes], number: int) -> str:
    if 0 < number <= len(lines):
        return lines[number - 1].decode(errors="replace").strip()
    return ""
