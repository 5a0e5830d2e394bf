"""The secrets gate: what it finds, what it must not (placeholders, UUIDs, lockfile hashes,
fixtures), masking in every output format, history, the baseline and hostile files.

Planted secrets are assembled at run time, so that this file holds none whole.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from gatekeeper.cli import main
from gatekeeper.errors import UsageError
from gatekeeper.gates import load_gate
from gatekeeper.gates.interface import GateContext
from gatekeeper.gates.secrets import detect, history
from gatekeeper.gates.secrets.gate import (
    SecretsGate,
    is_env_file,
    new_skips,
    read_text,
    secret_findings,
    secret_hash,
)
from gatekeeper.git import GitRepo
from gatekeeper.model import GateResult
from gatekeeper.policy.model import Policy, SecretsPolicy
from gatekeeper.policy.validate import InvalidPolicy, from_mapping
from tests.helpers import commit_all, git, init_repo

J = "".join
PASSWORD = J(["hun", "ter2"])
URL = J(["redis://admin:", PASSWORD, "@cache.internal:6379/0"])
GITHUB = J(["gh", "p_", "Zq9Xw2Lm8Np4Rt6Vb1Kc3Jd5Hf7Gs0", "2LeDat"])
AWS = J(["AKIA", "Q3ZT7WXP5N2LKJ4M"])
SLACK = J(["xox", "b-", "1234567890", "-", "AbCdEfGhIjKlMnOp"])
STRIPE = J(["sk_", "live_", "4eC39HqLyjWDarjtT1zdp7dc"])
GOOGLE = J(["AIza", "SyA1b2C3d4E5f6G7h8I9j0KlMnOpQrStUvW"])
NPM = J(["npm_", "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8"])
PYPI = J(
    ["pypi-", "AgEIcHlwaS5vcmc", "CJDk3ZTYxNzgtNzQ2Ni00ZDQ3LWJiYWEtMGY0ZmU2NDNjYTBmAAIqWzMsImE"]
)
FINE = J(["github_", "pat_", "11ABCDEFG0123456789abc", "_", "A" * 20, "b1c2d3e4f5" * 3, "Z" * 9])
ASSIGNED = J(["Xk9mQ2v", "Lp8Wz4Rn"])
KEY_BODY = J(["MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLez", "V6ffAt0gunVTLw7onL"])
PEM = J(
    ["-----BEGIN RSA ", "PRIVATE KEY-----\n", KEY_BODY, "\n", "-----END RSA PRIVATE KEY-----\n"]
)
OPENSSH = J(
    [
        "-----BEGIN OPENSSH ",
        "PRIVATE KEY-----\n",
        "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW",
        "\n-----END OPENSSH PRIVATE KEY-----\n",
    ]
)
PLANTED = [PASSWORD, GITHUB, AWS, SLACK, STRIPE, ASSIGNED, KEY_BODY[:40]]


def kinds(text: str) -> list[tuple[str, str]]:
    return [(h.kind, h.secret) for h in detect.scan(text)]


# What it finds


@pytest.mark.parametrize(
    ("text", "kind", "secret"),
    [
        (PEM, "private_key", KEY_BODY),
        (OPENSSH, "private_key", OPENSSH.split("\n")[1]),
        (f'CACHE = "{URL}"', "url_credentials", PASSWORD),
        (f"key = {AWS}", "token", AWS),
        (f"GH={GITHUB}", "token", GITHUB),
        (f"x {FINE} y", "token", FINE),
        (f"slack {SLACK}", "token", SLACK),
        (f"stripe {STRIPE}", "token", STRIPE),
        (f"maps {GOOGLE}", "token", GOOGLE),
        (f"npm {NPM}", "token", NPM),
        (f"pypi {PYPI}", "token", PYPI),
        (f'db_password = "{ASSIGNED}"', "assignment", ASSIGNED),
        (f"API_KEY={ASSIGNED}\n", "assignment", ASSIGNED),
        (f'{{"secret": "{ASSIGNED}"}}', "assignment", ASSIGNED),
        (f"auth_token := '{ASSIGNED}'", "assignment", ASSIGNED),
    ],
)
def test_it_finds(text: str, kind: str, secret: str) -> None:
    assert kinds(text) == [(kind, secret)]


def test_a_text_that_lower_casing_lengthens_is_matched_case_insensitively() -> None:
    text = f'name = "\u0130stanbul"\nDB_PASSWORD = "{ASSIGNED}"\n'
    assert len(text.lower()) != len(text)
    assert kinds(text) == [("assignment", ASSIGNED)]


def test_lines_and_columns_are_one_based() -> None:
    (hit,) = detect.scan(f"a\nb\n  token = {GITHUB}\n")
    assert (hit.line, hit.column, hit.what) == (3, 11, "GitHub token")


def test_a_token_assigned_to_a_secret_name_is_one_finding() -> None:
    assert kinds(f'GITHUB_TOKEN = "{GITHUB}"') == [("token", GITHUB)]


def test_the_github_checksum_is_validated_offline() -> None:
    assert detect.github_checksum_ok(GITHUB)
    forged = GITHUB[:-1] + ("a" if GITHUB[-1] != "a" else "b")
    assert not detect.github_checksum_ok(forged)
    assert kinds(f"token {forged}") == []


# What it must not find


@pytest.mark.parametrize(
    "text",
    [
        'api_key = "<your-token>"',
        'password = "changeme"',
        "password = ${DB_PASSWORD}",
        'secret = "${SECRET_VALUE}"',
        'token = os.environ["GITHUB_TOKEN"]',
        "token = os.getenv('TOKEN_VALUE')",
        "password = settings.DATABASE_PASSWORD",
        'password = "{{ db_password }}"',
        'password = "%(password)s"',
        'request_token = "123e4567-e89b-12d3-a456-426614174000"',
        'password = "password"',
        'password = "abcdefghijklmnop"',
        'password = "aaaaaaaa11"',
        'password = "make_password"',
        'password = "pbkdf2_sha256$260000$abc$Xk9mQ2vLp8Wz4Rn"',
        'secret = "not a secret at all 123"',
        'password = "Password1"',
        "django==5.1.4 --hash=sha256:" + "8b6f3a5c1d2e4f6a7b8c9d0e1f2a3b4c" * 2,
        "postgres://user:password@localhost/db",
        "postgres://user:user@localhost/db",
        "postgres://user:${PASSWORD}@localhost/db",
        "https://user:<password>@example.com/",
        "-----BEGIN RSA PRIVATE KEY-----\n...\n-----END RSA PRIVATE KEY-----",
        "-----BEGIN RSA PRIVATE KEY-----\n" + "x" * 40 + "\n-----END RSA PRIVATE KEY-----",
        "the PRIVATE KEY header is -----BEGIN PRIVATE KEY-----",
        f"ghp_{'b' * 36}",
    ],
)
def test_it_does_not_find(text: str) -> None:
    assert kinds(text) == []


# Masking


@pytest.mark.parametrize("secret", ["ab", PASSWORD, ASSIGNED, GITHUB, KEY_BODY, "x" * 8])
def test_a_preview_shows_at_most_four_characters_of_the_secret(secret: str) -> None:
    preview = detect.mask(secret)
    shown = preview.split(" (")[0].replace("…", "")
    assert len(shown) <= 4 and secret[:5] not in preview
    assert preview.endswith(f"({len(secret)} chars)")


def test_entropy_is_detect_secrets_shannon_measure() -> None:
    assert detect.entropy("aaaa") == 0.0
    assert detect.entropy("abcd") == 2.0


# Env files and reading


@pytest.mark.parametrize(
    ("path", "env"),
    [
        (".env", True),
        ("deploy/.env.production", True),
        ("config/dev.env", True),
        (".envrc", True),
        (".env.example", False),
        ("prod.env.sample", False),
        (".env.template", False),
        ("environment.py", False),
        ("env/settings.py", False),
    ],
)
def test_env_files(path: str, env: bool) -> None:
    assert is_env_file(path) is env


def test_read_text_skips_and_counts_hostile_files(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    root.mkdir()
    (tmp_path / "outside.txt").write_text("secret")
    (root / "out").symlink_to(tmp_path / "outside.txt")
    (root / "in").symlink_to(root / "text.py")
    (root / "text.py").write_text("ok = 1\n")
    (root / "image.png").write_bytes(b"\x89PNG\0\0data")
    (root / "big.txt").write_text("x" * 100)
    (root / "latin1.txt").write_bytes(b"caf\xe9 = 1\n")
    os.mkfifo(root / "fifo")
    skips = new_skips()
    assert read_text(root, "text.py", skips) == "ok = 1\n"
    assert read_text(root, "latin1.txt", skips) == "caf\ufffd = 1\n"
    for name in ("out", "in", "image.png", "fifo"):
        assert read_text(root, name, skips) is None
    assert read_text(root, "big.txt", skips, limit=10) is None
    assert skips.paths == {
        "scanned though not UTF-8": ["latin1.txt"],
        "skipped: symlinks out of the repository": ["out"],
        "skipped: binary": ["image.png"],
        "skipped: not a regular file": ["fifo"],
        "skipped: larger than 10 bytes": ["big.txt"],
    }


def test_skip_notes_count_and_cut_their_examples() -> None:
    skips = new_skips()
    for i in range(5):
        skips.add("skipped: binary", f"f{i}.bin")
    (note,) = skips.findings()
    assert note.rule_id == "GK-SEC-007" and note.data["count"] == 5
    assert note.message == "5 tracked file(s) skipped: binary (f0.bin, f1.bin, f2.bin, ...)"


# History parsing (the stream of ``git log -p -U0 --reverse --format=%x00%H``)


def _log(*commits: tuple[str, list[tuple[str, list[str]]]]) -> list[bytes]:
    out = []
    for sha, files in commits:
        out += [b"\0" + sha.encode() + b"\n", b"\n"]
        for path, added in files:
            out += [f"diff --git a/{path} b/{path}\n".encode(), b"--- /dev/null\n"]
            out.append(b"+++ /dev/null\n" if path == "/dev/null" else f"+++ b/{path}\n".encode())
            out.append(b"@@ -0,0 +3,9 @@\n")
            out += [b"+" + line.encode() + b"\n" for line in added]
    return out


def test_history_reports_the_first_commit_and_lines_of_that_commit() -> None:
    lines = _log(
        ("c1", [("app.py", ["x = 1", f"u = '{URL}'"]), ("key.pem", PEM.splitlines())]),
        ("c2", [("other.py", [f"again = '{URL}'"]), ("/dev/null", [])]),
        ("c3", []),
    )
    first, commits = history.first_appearances(lines, SecretsPolicy())
    assert commits == 3
    assert first[PASSWORD].commit == "c1" and first[PASSWORD].path == "app.py"
    assert first[PASSWORD].hit.line == 4
    assert first[KEY_BODY].hit.line == 3 and first[KEY_BODY].path == "key.pem"


def test_history_skips_fixtures_and_bounds_a_file(monkeypatch: pytest.MonkeyPatch) -> None:
    lines = _log(("c1", [("tests/fixtures/a.py", [f"u = '{URL}'"])]))
    first, _ = history.first_appearances(lines, SecretsPolicy(fixtures=["tests/fixtures/*"]))
    assert first == {}
    monkeypatch.setattr(history, "MAX_FILE_BYTES", 5)
    lines = _log(("c1", [("a.py", ["padding padding", f"u = '{URL}'"])]))
    assert history.first_appearances(lines, SecretsPolicy())[0] == {}


def test_tree_findings_get_their_commit_and_history_only_ones_are_added() -> None:
    tree = detect.scan(f"u = '{URL}'\nt = {AWS}\n")
    gone = detect.scan(f"g = {GITHUB}")[0]
    first = {
        PASSWORD: history.Introduced("c1" * 20, "old.py", tree[0]),
        GITHUB: history.Introduced("c2" * 20, "deleted.py", gone),
    }
    findings = secret_findings([("app.py", h) for h in tree], first)
    assert [f.data.get("commit") for f in findings] == ["c1" * 20, None, "c2" * 20]
    assert findings[2].data["history_only"] is True
    assert findings[2].location is not None and findings[2].location.path == "deleted.py"
    assert "deleted since, but still in history" in findings[2].message
    assert "first committed in c1c1c1c1c1c1" in findings[0].message


def test_fingerprints_hold_a_hash_of_the_secret_not_the_secret() -> None:
    (hit,) = detect.scan(f"t = {AWS}")
    (finding,) = secret_findings([("a.py", hit)], None)
    assert AWS not in json.dumps(dict(finding.data)) + finding.message + finding.fingerprint
    assert secret_hash(AWS) != AWS and len(secret_hash(AWS)) == 64


# Policy


def test_policy_section_defaults_and_validation() -> None:
    assert Policy().secrets == SecretsPolicy()
    pol = from_mapping(
        Policy,
        {"secrets": {"fixtures": ["t/*"], "history": True, "min_entropy": 4, "baseline": "b.json"}},
    )
    assert pol.secrets.fixtures == ["t/*"] and pol.secrets.history and pol.secrets.min_entropy == 4
    for bad in ({"min_entropy": 7}, {"history_max_commits": 0}, {"fixtures": [""]}, {"x": 1}):
        with pytest.raises(InvalidPolicy, match="secrets"):
            from_mapping(Policy, {"secrets": bad})


def test_the_gate_is_registered() -> None:
    assert isinstance(load_gate("secrets"), SecretsGate)


# Real git repositories


def _repo(tmp_path: Path, gitignore: str | None = None) -> Path:
    root = init_repo(tmp_path / "repo")
    (root / "settings.py").write_text(f'CACHE = "{URL}"\nGH = "{GITHUB}"\n')
    (root / "deploy").mkdir()
    (root / "deploy" / "aws.cfg").write_text(f"key = {AWS}\nslack = {SLACK}\nstripe = {STRIPE}\n")
    (root / "config.py").write_text(f'API_KEY = "{ASSIGNED}"\nsafe = "<your-token>"\n')
    (root / "tls.pem").write_text(PEM)
    (root / ".env").write_text("DEBUG=1\n")
    (root / "requirements.txt").write_text(
        "django==5.1.4 --hash=sha256:" + "8b6f3a5c1d2e4f6a" * 4 + "\n"
    )
    (root / "tests" / "fixtures").mkdir(parents=True)
    (root / "tests" / "fixtures" / "keys.py").write_text(f"T = '{GITHUB}'\n")
    (root / "logo.png").write_bytes(b"\x89PNG\0\0")
    if gitignore is not None:
        (root / ".gitignore").write_text(gitignore)
    commit_all(root, "init")
    (root / "untracked.py").write_text(f"t = {NPM}\n")
    return root


def _run(root: Path, **section: Any) -> GateResult:
    pol = from_mapping(Policy, {"secrets": {"fixtures": ["tests/fixtures/*"], **section}})
    return SecretsGate().run(GateContext(root, pol, GitRepo(root)))


@pytest.mark.slow
def test_the_gate_finds_planted_secrets_in_tracked_files_only(tmp_path: Path) -> None:
    result = _run(_repo(tmp_path))
    located = sorted((f.rule_id, str(f.location)) for f in result.findings)
    assert located == [
        ("GK-SEC-001", "tls.pem:1:1"),
        ("GK-SEC-002", "settings.py:1:24"),
        ("GK-SEC-003", "deploy/aws.cfg:1:7"),
        ("GK-SEC-003", "deploy/aws.cfg:2:9"),
        ("GK-SEC-003", "deploy/aws.cfg:3:10"),
        ("GK-SEC-003", "settings.py:2:7"),
        ("GK-SEC-004", "config.py:1:12"),
        ("GK-SEC-005", ".env"),
        ("GK-SEC-006", ".gitignore"),
        ("GK-SEC-007", "None"),
    ]
    assert result.metrics["files"] == 8 and result.metrics["skipped"] == 1


@pytest.mark.slow
def test_ignore_rules_that_cover_keys_and_env_files_pass(tmp_path: Path) -> None:
    root = _repo(tmp_path, gitignore="*.key\n*.pem\n.env*\n*.env\n")
    assert "GK-SEC-006" not in {f.rule_id for f in _run(root).findings}
    (root / ".gitignore").write_text("*.pem\n")
    (finding,) = [f for f in _run(root).findings if f.rule_id == "GK-SEC-006"]
    assert finding.data["missing"] == ("certs/**/*.key", ".env", "*.env")


@pytest.mark.slow
def test_history_finds_a_secret_deleted_from_the_tree(tmp_path: Path) -> None:
    root = _repo(tmp_path)
    first = git(root, "rev-parse", "HEAD").strip()
    (root / "old.py").write_text(f"token = {PYPI}\n")
    commit_all(root, "add")
    added = git(root, "rev-parse", "HEAD").strip()
    (root / "old.py").unlink()
    commit_all(root, "remove")
    result = _run(root, history=True)
    assert result.metrics["commits"] == 3
    by_path = {str(f.location): f for f in result.findings if "commit" in f.data}
    assert by_path["old.py:1:9"].data["commit"] == added
    assert by_path["old.py:1:9"].data["history_only"] is True
    assert by_path["settings.py:1:24"].data["commit"] == first
    assert "tests/fixtures/keys.py" not in {str(f.location) for f in result.findings}


@pytest.mark.slow
def test_history_of_a_repository_without_commits_is_a_usage_error(tmp_path: Path) -> None:
    root = init_repo(tmp_path / "empty")
    with pytest.raises(UsageError, match="git log failed"):
        _run(root, history=True)


@pytest.mark.slow
def test_outside_a_repository_the_gate_skips(tmp_path: Path) -> None:
    assert GitRepo(tmp_path).tracked_files() is None
    assert _run(tmp_path).skipped == "not a git repository: only committed files are scanned"
    with pytest.raises(UsageError, match="check-ignore failed"):
        GitRepo(tmp_path).ignored([".env"])


@pytest.mark.slow
def test_no_output_format_contains_a_planted_secret(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _repo(tmp_path)
    summary = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    out = tmp_path / "out"
    out.mkdir()
    formats = ("text", "json", "sarif", "github", "markdown")
    args = [a for fmt in formats for a in ("-f", f"{fmt}={out / fmt}")]
    assert main(["secrets", str(root), "--history", *args]) == 1
    rendered = {fmt: (out / fmt).read_text() for fmt in formats}
    rendered["summary"] = summary.read_text()
    assert "GK-SEC-003" in rendered["sarif"] and "hu…" not in rendered["text"]
    for name, text in rendered.items():
        for secret in PLANTED:
            assert secret not in text, (name, secret[:2])


@pytest.mark.slow
def test_write_baseline_then_n_accepted_hide_n_but_not_a_new_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = _repo(tmp_path, gitignore="*.key\n*.pem\n.env*\n*.env\n")
    (root / "untracked.py").unlink()  # the commits below add every file
    assert main(["secrets", str(root), "--write-baseline"]) == 0
    written = root / ".gatekeeper" / "secrets-baseline.json"
    text = written.read_text()
    assert all(secret not in text for secret in PLANTED)
    assert "under [secrets]" in capsys.readouterr().err
    policy = tmp_path / "policy.toml"
    policy.write_text('[secrets]\nbaseline = ".gatekeeper/secrets-baseline.json"\n')
    assert main(["secrets", str(root), "--policy", str(policy), "-f", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["summary"]["pre_existing"] == 7
    with (root / "config.py").open("a") as handle:  # the same secret again: a second finding
        handle.write(f'API_KEY = "{ASSIGNED}"\n')
    commit_all(root)
    assert main(["secrets", str(root), "--policy", str(policy), "-f", "json"]) == 1
    (root / "config.py").unlink()  # both gone: the baseline entry is stale
    commit_all(root)
    assert main(["secrets", str(root), "--policy", str(policy), "-f", "json"]) == 0
    report = json.loads(capsys.readouterr().out.split("\n}\n")[-2] + "\n}")
    rules = [f["rule_id"] for g in report["gates"] for f in g["findings"]]
    assert "GK-POL-005" in rules


@pytest.mark.slow
def test_write_baseline_to_a_named_path_with_the_configured_history(tmp_path: Path) -> None:
    root = _repo(tmp_path)
    target = tmp_path / "elsewhere" / "b.json"
    policy = tmp_path / "policy.toml"
    policy.write_text('[secrets]\nbaseline = "b.json"\n')
    code = main(
        [
            "secrets",
            str(root),
            "--history",
            "--policy",
            str(policy),
            "--write-baseline",
            str(target),
        ]
    )
    assert code == 0
    entries = json.loads(target.read_text())["entries"]
    assert {e["rule_id"] for e in entries} >= {"GK-SEC-001", "GK-SEC-006"}
    assert not (root / "b.json").exists()


@pytest.mark.slow
def test_cache_inputs_change_with_any_file_and_with_head_under_history(tmp_path: Path) -> None:
    root = _repo(tmp_path)
    gate = SecretsGate()

    def inputs(**section: Any) -> bytes | None:
        pol = from_mapping(Policy, {"secrets": section})
        return gate.cache_inputs(GateContext(root, pol, GitRepo(root)))

    before, before_history = inputs(), inputs(history=True)
    assert before is not None and before_history is not None and before != before_history
    git(root, "commit", "-q", "--allow-empty", "-m", "empty")  # same files, a new HEAD
    assert inputs() == before and inputs(history=True) != before_history
    (root / "config.py").write_text("x = 1\n")
    assert inputs() != before


@pytest.mark.slow
def test_cache_inputs_change_with_info_exclude_and_the_global_excludes_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _repo(tmp_path, gitignore="*.pem\n")
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("XDG_CONFIG_HOME", raising=False)
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(home / ".gitconfig"))
    gate = SecretsGate()

    def inputs() -> bytes | None:
        return gate.cache_inputs(GateContext(root, Policy(), GitRepo(root)))

    def missing() -> tuple[str, ...]:
        (found,) = [f for f in _run(root).findings if f.rule_id == "GK-SEC-006"]
        return tuple(found.data["missing"])

    before = inputs()
    assert missing() == ("certs/**/*.key", ".env", "*.env")
    (root / ".git" / "info" / "exclude").write_text(".env\n")
    after_exclude = inputs()
    assert after_exclude != before and missing() == ("certs/**/*.key", "*.env")
    excludes = home / "ignore"
    excludes.write_text("*.env\n")
    git(root, "config", "--global", "core.excludesFile", str(excludes))
    assert inputs() not in (before, after_exclude) and missing() == ("certs/**/*.key",)
