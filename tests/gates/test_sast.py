"""The sast gate: thresholds, ``# nosec`` rules, parse errors, the cache, PR mode, and the
finding set identical to bandit's own on a fixture tree."""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from gatekeeper.errors import InputError
from gatekeeper.gates import load_gate
from gatekeeper.gates.interface import GateContext
from gatekeeper.gates.sast import gate as sast_gate
from gatekeeper.gates.sast import rules
from gatekeeper.gates.sast.cache import ResultCache
from gatekeeper.gates.sast.engine import Profile, _line, analyse
from gatekeeper.gates.sast.gate import discover, profile_for, scan
from gatekeeper.gates.sast.suppress import nosec_comments, parse
from gatekeeper.git import GitRepo
from gatekeeper.model import Finding, GateResult, Severity
from gatekeeper.policy.model import Policy, SastPolicy, Threshold
from gatekeeper.policy.validate import InvalidPolicy, from_mapping
from tests.helpers import commit_all, git, init_repo

S = Severity
#: Low severity, high confidence (B404), medium/medium... each line below is one bandit issue.
SHELL = 'import subprocess\nsubprocess.call("ls " + name, shell=True)\n'


def write(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def run(root: Path, cache: Path | None = None, **policy: object) -> GateResult:
    sast = dataclasses.replace(SastPolicy(cache=cache is not None), **policy)  # type: ignore[arg-type]
    return scan(root, sast, cache_directory=cache, parallel=False)


def ids(result: GateResult) -> list[tuple[str, str, int | None]]:
    return sorted(
        (f.rule_id, f.location.path, f.location.line) for f in result.findings if f.location
    )


def by_rule(result: GateResult, rule_id: str) -> list[Finding]:
    return [f for f in result.findings if f.rule_id == rule_id]


def test_gate_is_registered_with_bandit_and_own_rules() -> None:
    gate = load_gate("sast")
    assert gate.name == "sast"
    assert {"B602", "B101", "GK-SST-001", "GK-SST-002"} <= {r.id for r in gate.rules}
    assert rules.BANDIT_RULES["B602"].cwe == 78
    unknown = rules.bandit_rule("B999", "new_test", 20)
    assert unknown.id == "B999" and unknown.cwe == 20 and "new_test" in unknown.title


def test_thresholds_split_unreported_info_and_blocking(tmp_path: Path) -> None:
    # B404 low/high, B602 high/high (shell=True with a non-literal), B105 low/medium.
    write(tmp_path, {"app.py": SHELL + 'password = "hunter2"\n'})
    result = run(tmp_path)
    found = {f.rule_id: f for f in result.findings}
    assert found["B602"].severity is S.HIGH and found["B602"].data["blocking_threshold"]
    assert found["B602"].data["cwe"] == "CWE-78"
    assert found["B404"].severity is S.INFO and found["B105"].severity is S.INFO
    assert found["B602"].location is not None and found["B602"].location.line == 2
    assert result.metrics["blocking"] == 1 and result.metrics["reported"] == 3

    strict = run(tmp_path, fail_at=Threshold(severity=S.LOW, confidence=S.LOW))
    assert all(f.severity is not S.INFO for f in strict.findings)
    high = Threshold(severity=S.HIGH, confidence=S.HIGH)
    quiet = run(tmp_path, report_at=Threshold(severity=S.MEDIUM, confidence=S.MEDIUM), fail_at=high)
    assert [f.rule_id for f in quiet.findings] == ["B602"]
    assert quiet.metrics["below_threshold"] == 2


def test_fingerprints_survive_line_moves(tmp_path: Path) -> None:
    write(tmp_path, {"app.py": SHELL})
    before = {f.rule_id: f.fingerprint for f in run(tmp_path).findings}
    write(tmp_path, {"app.py": "\n\n" + SHELL})
    after = {f.rule_id: f.fingerprint for f in run(tmp_path).findings}
    assert before == after


def test_nosec_must_name_the_rule_and_give_a_reason(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "a.py": (
                "import subprocess  # nosec B404 - only fixed argv below\n"
                'subprocess.call("ls " + x, shell=True)  # nosec\n'
                'subprocess.call("ls " + y, shell=True)  # nosec B602\n'
                "assert x  # nosec B101, B602 # asserts are kept in this tool\n"
                "y = 1  # nosec: B105 - nothing here\n"
            )
        },
    )
    result = run(tmp_path)
    assert ids(result) == [
        ("B602", "a.py", 2),
        ("B602", "a.py", 3),
        ("GK-SST-001", "a.py", 2),
        ("GK-SST-003", "a.py", 4),
        ("GK-SST-003", "a.py", 5),
        ("GK-SST-004", "a.py", 3),
    ]
    assert {f.data["test_id"] for f in by_rule(result, "GK-SST-003")} == {"B602", "B105"}
    assert result.metrics["suppressed"] == 2
    lenient = run(tmp_path, require_reason=False)
    assert ("B602", "a.py", 3) not in ids(lenient) and not by_rule(lenient, "GK-SST-004")
    assert by_rule(lenient, "GK-SST-001")  # bare still suppresses nothing


def test_nosec_on_any_line_of_a_multiline_statement(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "m.py": 'import subprocess  # nosec B404 - fixed\nsubprocess.call(\n    "ls " + x,\n'
            "    shell=True,  # nosec B602 - x is validated\n)\n"
        },
    )
    assert run(tmp_path).findings == ()


def test_parse(tmp_path: Path) -> None:
    assert parse(1, "# a comment") is None
    nosec = parse(3, "#nosec b602,B607  -- reason here")
    assert nosec is not None and nosec.ids == ("B602", "B607") and nosec.reason == "reason here"
    bare = parse(1, "# nosec(tkelsey): catching expected exception")
    assert bare is not None and bare.bare
    assert nosec_comments(b"x = 1\n") == {}
    assert nosec_comments(b'x = 1  # nosec B101\ns = """# nosec\n') == {1: "# nosec B101"}


def test_unparsable_file_fails_whatever_the_thresholds(tmp_path: Path) -> None:
    write(tmp_path, {"bad.py": "def (:\n", "ok.py": "x = 1\n"})
    high = Threshold(severity=S.HIGH, confidence=S.HIGH)
    result = run(tmp_path, report_at=high, fail_at=high)
    (bad,) = result.findings
    assert bad.rule_id == "GK-SST-002" and bad.severity is S.CRITICAL
    assert bad.location is not None and bad.location.path == "bad.py"
    assert "syntax error" in bad.message


def test_discovery_skips_excluded_dirs_globs_and_symlinks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(
        tmp_path,
        {
            "pkg/a.py": "x = 1\n",
            "pkg/gen/b.py": "x = 1\n",
            ".venv/lib/c.py": "x = 1\n",
            "tests/test_d.py": "x = 1\n",
            "README.md": "# x\n",
            "big.py": "x = 1\n" * 10,
        },
    )
    assert list(discover(tmp_path, ["pkg/gen", "tests/*.py"])) == ["big.py", "pkg/a.py"]
    (tmp_path / "link.py").symlink_to(tmp_path / "pkg" / "a.py")  # analysed as pkg/a.py
    monkeypatch.setattr(sast_gate, "MAX_FILE_BYTES", 20)
    result = run(tmp_path, exclude_paths=["pkg/gen", "tests"])
    (note,) = by_rule(result, "GK-SST-005")
    assert note.message == "1 Python file(s) skipped: larger than 20 bytes (big.py)"
    assert note.location is None and note.data["examples"] == ("big.py",)
    assert result.metrics["files"] == 1 and result.metrics["skipped"] == 1


def test_hostile_files_are_one_counted_note_per_reason(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    write(root, {"ok.py": "x = 1\n", "big.py": "x = 1\n" * 800_000})
    (tmp_path / "outside.py").write_text("eval(input())\n")
    for name in ("out1.py", "out2.py"):
        (root / name).symlink_to(tmp_path / "outside.py")
    (root / "dangling.py").symlink_to(tmp_path / "missing.py")
    (root / "in.py").symlink_to(root / "ok.py")
    (root / "compiled.py").write_bytes(b"\x00\x01\x02eval(x)\n")  # NUL bytes: binary
    (root / "also.py").write_bytes(b"x = 1\n" + b"\0" * 4)
    os.mkfifo(root / "fifo.py")
    (root / "latin.py").write_bytes(b'a = 1\nname = "caf\xe9"\n')  # not UTF-8, no cookie
    (root / "cookie.py").write_bytes(b'# -*- coding: latin-1 -*-\nname = "caf\xe9"\n')
    result = run(root)
    notes = {f.data["reason"]: f for f in by_rule(result, "GK-SST-005")}
    assert {reason: n.data["count"] for reason, n in notes.items()} == {
        "skipped: symlinks out of the repository": 3,
        "skipped: binary": 2,
        "skipped: larger than 4194304 bytes": 1,
        "skipped: not a regular file": 1,
    }
    assert notes["skipped: binary"].message == (
        "2 Python file(s) skipped: binary (also.py, compiled.py)"
    )
    assert result.metrics["skipped"] == 7
    assert result.metrics["files"] == 3  # ok.py, latin.py, cookie.py (in.py is ok.py)
    (bad,) = by_rule(result, "GK-SST-002")  # the encoding error names its file and line
    assert bad.location is not None and bad.location.path == "latin.py"
    assert bad.message == (
        "latin.py was not analysed: cannot be decoded as utf-8 (line 2: invalid continuation byte)"
    )
    assert "caf" not in bad.message
    assert not by_rule(result, "B307")  # nothing outside the repository was read


def test_decoding_errors_are_named() -> None:
    from gatekeeper.gates.sast.engine import decoding_error

    assert decoding_error(b"x = 1\n") is None
    assert decoding_error(b"# coding: latin-1\nx = '\xe9'\n") is None
    assert decoding_error(b"x = '\xff'\n") == (
        "cannot be decoded as utf-8 (line 1: invalid start byte)"
    )
    assert decoding_error(b"# coding: nosuch\nx = 1\n") == (
        "cannot be decoded: unknown encoding: nosuch"
    )
    bom_against_cookie = b"\xef\xbb\xbf# coding: latin-1\nx = 1\n"
    assert decoding_error(bom_against_cookie) == "cannot be decoded: encoding problem: utf-8"


def test_profile_honours_policy_and_tool_bandit(tmp_path: Path) -> None:
    assert profile_for(tmp_path, SastPolicy()) == (Profile(), ())
    write(tmp_path, {"pyproject.toml": "[project]\nname = 'x'\n"})
    assert profile_for(tmp_path, SastPolicy())[0].config_file is None
    write(
        tmp_path,
        {
            "pyproject.toml": '[tool.bandit]\ntests = ["B602", "B101"]\nskips = ["B404"]\n'
            'exclude_dirs = ["vendor"]\n',
            "vendor/v.py": "assert x\n",
            "app.py": SHELL + "assert x\n",
        },
    )
    profile, excluded = profile_for(tmp_path, SastPolicy(exclude=["B105"], exclude_paths=["gen"]))
    assert profile.include == ("B101", "B602") and profile.exclude == ("B105", "B404")
    assert excluded == ("gen", "vendor") and profile.config_file == str(tmp_path / "pyproject.toml")
    assert ids(run(tmp_path)) == [("B101", "app.py", 3), ("B602", "app.py", 2)]
    only = run(tmp_path, include=["B101"])
    assert ids(only) == [("B101", "app.py", 3)]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[tool.bandit\n", "cannot read [tool.bandit]"),
        ("[tool]\nbandit = 1\n", "[tool.bandit] is not a table"),
        ('[tool.bandit]\nskips = "B101"\n', "skips must be an array of strings"),
    ],
)
def test_bad_tool_bandit_is_an_input_error(tmp_path: Path, text: str, message: str) -> None:
    write(tmp_path, {"pyproject.toml": text})
    with pytest.raises(InputError, match=message.replace("[", r"\[")):
        profile_for(tmp_path, SastPolicy())


def test_cache_hit_miss_and_corrupt_entries(tmp_path: Path) -> None:
    root, cache = write(tmp_path / "repo", {"app.py": SHELL}), tmp_path / "cache"
    first = run(root, cache)
    assert (first.metrics["analysed"], first.metrics["cached"]) == (1, 0)
    (entry,) = cache.glob("*/*.json")
    assert entry.stat().st_mode & 0o777 == 0o600
    second = run(root, cache)
    assert (second.metrics["analysed"], second.metrics["cached"]) == (0, 1)
    assert second.findings == first.findings
    corrupt_entries = (
        b"{not json",
        b"[]",
        b'{"issues": [], "nosec": {}, "error": 3}',
        b'{"issues": [{"test_id": "B602"}], "nosec": {}, "error": null}',
        b'{"issues": [], "nosec": {"x": "# nosec"}, "error": null}',
        b'{"issues": [], "nosec": [], "error": null}',
        b"\xff" * 5,
    )
    for corrupt in corrupt_entries:
        entry.write_bytes(corrupt)
        again = run(root, cache)
        assert again.metrics["analysed"] == 1 and again.findings == first.findings
    # Another profile, or a changed file, misses.
    assert run(root, cache, exclude=["B404"]).metrics["analysed"] == 1
    write(root, {"app.py": SHELL + "\n"})
    assert run(root, cache).metrics["analysed"] == 1


def test_cached_results_of_unknown_tests_still_report(tmp_path: Path) -> None:
    root, cache = write(tmp_path / "repo", {"new.py": "x = 1\n"}), tmp_path / "cache"
    profile, _ = profile_for(root, SastPolicy())
    key = ResultCache.key(profile.digest(sast_gate.bandit_version()), "new.py", b"x = 1\n")
    issue = {
        "test_id": "B999",
        "test": "future_test",
        "severity": "undefined",
        "confidence": "high",
        "cwe": 20,
        "line": 1,
        "lines": [1],
        "column": 1,
        "text": "something new",
        "code": "x = 1",
    }
    ResultCache(cache).put(key, {"issues": [issue], "nosec": {}, "error": None})
    (found,) = run(root, cache, fail_at=Threshold()).findings
    assert found.rule_id == "B999" and found.severity is S.LOW
    assert found.data["cwe"] == "CWE-20" and found.title == "bandit future_test"


def test_engine_details() -> None:
    assert _line([b"a"], 0) == "" and _line([b" a "], 1) == "a"
    (result,) = analyse(Profile(), [("e.py", b"exec(x)\n")])
    assert [i["test_id"] for i in result["issues"]] == ["B102"] and result["error"] is None
    # bandit configures its plugins globally: switching profiles must not leak the last one.
    source = [("s.py", b"import subprocess\n")]
    assert analyse(Profile(exclude=("B404",)), source)[0]["issues"] == []
    assert [i["test_id"] for i in analyse(Profile(), source)[0]["issues"]] == ["B404"]


def test_pr_mode_analyses_only_the_given_files(tmp_path: Path) -> None:
    write(tmp_path, {"old.py": SHELL, "new.py": SHELL})
    result = scan(tmp_path, SastPolicy(cache=False), only=frozenset({"new.py"}), parallel=False)
    assert {f.location.path for f in result.findings if f.location} == {"new.py"}
    assert result.metrics["files"] == 1


def test_in_process_below_the_parallel_threshold(tmp_path: Path) -> None:
    write(tmp_path, {"a.py": SHELL})
    for jobs in (1, 2):
        result = scan(tmp_path, SastPolicy(cache=False, jobs=jobs))
        assert result.metrics["analysed"] == 1 and by_rule(result, "B602")


def test_policy_section_validates() -> None:
    policy = from_mapping(
        Policy,
        {
            "sast": {
                "report_at": {"severity": "medium", "confidence": "low"},
                "fail_at": {"severity": "high"},
                "include": ["B602"],
                "jobs": 2,
            }
        },
    )
    assert policy.sast.report_at == Threshold(severity=S.MEDIUM, confidence=S.LOW)
    assert policy.sast.fail_at == Threshold(severity=S.HIGH, confidence=S.MEDIUM)
    assert policy.sast.include == ["B602"] and policy.sast.jobs == 2
    with pytest.raises(InvalidPolicy) as err:
        from_mapping(
            Policy,
            {
                "sast": {
                    "report_at": {"severity": "info", "confidnce": "low"},
                    "exclude": ["shell"],
                }
            },
        )
    assert str(err.value).splitlines() == [
        "<data>: sast.exclude.0: expected a bandit test ID such as B602, got 'shell'",
        "<data>: sast.report_at.severity: must be low, medium or high, got 'info'",
        "<data>: sast.report_at.confidnce: unknown key (did you mean 'confidence'?)",
    ]


@pytest.mark.slow
def test_pr_mode_through_git(tmp_path: Path) -> None:
    root = init_repo(tmp_path / "repo")
    write(root, {"old.py": SHELL, "gone.py": SHELL, "edited.py": "x = 1\n"})
    commit_all(root, "base")
    write(root, {"edited.py": SHELL, "untracked.py": SHELL})
    (root / "gone.py").unlink()
    repo = GitRepo(root)
    assert repo.changed_files("HEAD") == ["edited.py", "untracked.py"]
    policy = dataclasses.replace(Policy(), sast=SastPolicy(cache=False))
    result = load_gate("sast").run(GateContext(root, policy, repo, base_ref="HEAD"))
    assert {f.location.path for f in result.findings if f.location} == {
        "edited.py",
        "untracked.py",
    }
    full = load_gate("sast").run(GateContext(root, policy, repo))
    assert {f.location.path for f in full.findings if f.location} == {
        "edited.py",
        "old.py",
        "untracked.py",
    }
    git(root, "status")  # the repository is untouched and readable


def _fixture_tree(root: Path) -> Path:
    """Files that trigger a spread of bandit's tests, many times over (enough for workers)."""
    samples = {
        "shell.py": SHELL + "import os\nos.system(cmd)\n",
        "crypto.py": "import hashlib, pickle\nhashlib.md5(b'x')\npickle.loads(data)\n",
        "web.py": "import requests\nrequests.get(url, verify=False)\n",
        "sql.py": 'def q(x):\n    return "SELECT * FROM t WHERE a = %s" % x\n',
        "misc.py": "assert x\ntry:\n    f()\nexcept Exception:\n    pass\neval(s)\n",
        "yaml_.py": "import yaml\nyaml.load(s)\n",
    }
    for index in range(12):
        write(root, {f"pkg{index}/{name}": text for name, text in samples.items()})
    return root


@pytest.mark.slow
def test_finding_set_identical_to_bandit_cli_and_workers_agree(tmp_path: Path) -> None:
    root = _fixture_tree(tmp_path / "tree")
    bandit = shutil.which("bandit", path=str(Path(sys.executable).parent)) or "bandit"
    proc = subprocess.run(  # noqa: S603  # fixed argv
        [bandit, "-r", "-q", "-f", "json", str(root)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 1, proc.stderr
    theirs = {
        (r["test_id"], os.path.relpath(r["filename"], root), r["line_number"])
        for r in json.loads(proc.stdout)["results"]
    }
    policy = SastPolicy(cache=False, jobs=2)
    serial = scan(root, policy, parallel=False)
    parallel = scan(root, policy, parallel=True)
    ours = {t for t in ids(serial) if t[0].startswith("B")}
    assert len(theirs) > 100 and ours == theirs
    assert parallel.findings == serial.findings


@pytest.mark.slow
def test_pr_mode_findings_the_changed_files_had_at_the_base_are_pre_existing(
    tmp_path: Path,
) -> None:
    from gatekeeper import runner

    root = init_repo(tmp_path / "repo")
    evil = "data = input()\neval(data)\n"
    write(root, {"app.py": evil, "old.py": evil + "x = 1\n" * 20, "broken.py": "def f(:\n"})
    write(root, {"still.py": evil, "link.py": "y = 2\n"})
    commit_all(root, "main")
    git(root, "checkout", "-q", "-b", "feature")
    write(root, {"app.py": "\n" * 10 + evil + "exec(data)\n"})  # moved down, one new
    git(root, "mv", "old.py", "new.py")  # moved with its file
    write(root, {"new.py": evil + "x = 1\n" * 20 + "z = 3\n", "broken.py": "def f(:\n\n"})
    write(root, {"copy.py": evil})  # an old finding in a new file
    (root / "link.py").unlink()
    os.symlink("still.py", root / "link.py")
    policy = dataclasses.replace(Policy(), sast=SastPolicy(cache=False))
    report = runner.run(root, policy, gates=["sast"], base_ref="main")
    judged = {
        (j.finding.rule_id, str(j.finding.location)): j.pre_existing
        for j in report.gates[0].findings
        if j.finding.severity is not Severity.INFO
    }
    assert judged == {
        ("B307", "app.py:12:1"): True,
        ("B102", "app.py:13:1"): False,
        ("B307", "new.py:2:1"): True,
        ("B307", "copy.py:2:1"): False,
        ("GK-SST-002", "broken.py"): False,  # unparsable at the base too: it still fails
    }
    assert GateContext(root, policy, GitRepo(root)).base_ref is None
    assert load_gate("sast").baseline(GateContext(root, policy, GitRepo(root))) is None


@pytest.mark.slow
def test_pr_mode_counts_identical_lines(tmp_path: Path) -> None:
    """The base had one ``eval(data)`` in app.py; the change adds a second identical line
    above it and a third below: two of the three are new, the later ones."""
    from gatekeeper import runner

    root = init_repo(tmp_path / "repo")
    write(root, {"app.py": "data = input()\n\n\neval(data)\n"})
    (root / "blob.py").write_bytes(b"\0eval(data)\n")  # binary at the base: skipped there
    commit_all(root, "main")
    git(root, "checkout", "-q", "-b", "feature")
    write(root, {"app.py": "data = input()\neval(data)\n\neval(data)\neval(data)\n"})
    write(root, {"blob.py": "data = input()\neval(data)\n"})
    policy = dataclasses.replace(Policy(), sast=SastPolicy(cache=False))
    report = runner.run(root, policy, gates=["sast"], base_ref="main")
    judged = [
        (str(j.finding.location), j.pre_existing, j.blocking)
        for j in report.gates[0].findings
        if j.finding.rule_id == "B307"
    ]
    assert sorted(judged) == [
        ("app.py:2:1", True, False),
        ("app.py:4:1", False, True),
        ("app.py:5:1", False, True),
        ("blob.py:2:1", False, True),
    ]
    assert report.exit_code == 1
    gate = load_gate("sast")
    baseline = gate.baseline(GateContext(root, policy, GitRepo(root), base_ref="main"))
    b307 = next(
        j.finding.fingerprint for j in report.gates[0].findings if j.finding.rule_id == "B307"
    )
    assert baseline is not None and baseline[b307] == 1
    assert sum(baseline.values()) == 2  # and the note that blob.py was binary there
