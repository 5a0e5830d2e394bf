"""The supply_chain gate: typosquat mutations, denylist, pinning, dependency confusion, extra
indexes, the budget, hostile inputs and the policy section."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from gatekeeper.deps.index import PYPI_SIMPLE, IndexClient
from gatekeeper.errors import BackendUnavailable, InputError
from gatekeeper.gates import load_gate
from gatekeeper.gates.interface import GateContext
from gatekeeper.gates.supply_chain import indexes, typosquat
from gatekeeper.gates.supply_chain.gate import SupplyChainGate, public_index
from gatekeeper.gates.supply_chain.typosquat import ranks, resembles
from gatekeeper.git import GitRepo
from gatekeeper.model import Finding, GateResult, Severity
from gatekeeper.policy.model import KNOWN_MALICIOUS, Policy, SupplyChainPolicy
from gatekeeper.policy.validate import InvalidPolicy, from_mapping
from tests.deps.simple_index import simple_index
from tests.helpers import run_cli

REPO = Path(__file__).resolve().parents[2]
LIBRARY = {"audit": {"application": False}}


def write(root: Path, name: str, text: str | bytes) -> Path:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text)
    return path


def policy(**sections: dict[str, Any]) -> Policy:
    return from_mapping(Policy, sections)


def run(root: Path, pol: Policy | None = None, client: IndexClient | None = None) -> GateResult:
    gate = SupplyChainGate(client)
    return gate.run(GateContext(root, pol or Policy(), GitRepo(root)))


def by_rule(result: GateResult, rule_id: str) -> list[Finding]:
    return [f for f in result.findings if f.rule_id == rule_id]


def rules(result: GateResult) -> set[str]:
    return {f.rule_id for f in result.findings}


# Typosquat mutations, each against a real popular name


@pytest.mark.parametrize(
    ("name", "target", "kind"),
    [
        ("reqeusts", "requests", "swapped characters"),
        ("requets", "requests", "deleted character"),
        ("requestsx", "requests", "inserted character"),
        ("requesta", "requests", "substituted character"),
        ("requestss", "requests", "repeated or omitted characters"),
        ("reqests", "requests", "deleted character"),
        ("djangoo", "django", "repeated or omitted characters"),
        ("boto-3", "boto3", "separators"),
        ("pythondateutil", "python-dateutil", "separators"),
        ("dateutil-python", "python-dateutil", "swapped words"),
        ("rnatplotlib", "matplotlib", "homoglyph"),
        ("matp1otlib", "matplotlib", "homoglyph"),
        ("col0rama", "colorama", "homoglyph"),
        ("python-requests", "requests", "added prefix 'python-'"),
        ("pyrequests", "requests", "added prefix 'py'"),
        ("requests-dev", "requests", "added suffix '-dev'"),
        ("numpy2", "numpy", "added suffix '2'"),
        ("jinja", "jinja2", "removed suffix '2'"),
    ],
)
def test_each_mutation_kind_against_a_popular_name(name: str, target: str, kind: str) -> None:
    assert name not in ranks(), f"{name} is a real popular package: pick another example"
    match = resembles(name, 5000)
    assert match is not None
    assert (match.target, match.kind) == (target, kind)
    assert match.rank == ranks()[target]


def test_popular_names_and_the_allow_list_are_never_typosquats() -> None:
    # Each is one mutation from a more popular name but popular itself.
    for name in ("urllib3", "jinja2", "boto3", "botocore", "pytest-cov", "types-requests"):
        assert name in ranks()
        assert resembles(name, 5000) is None
    assert resembles("reqeusts", 5000, frozenset({"reqeusts"})) is None


def test_short_names_need_more_than_one_edit_and_top_limits_targets() -> None:
    assert resembles("sixx", 5000) is not None  # repeated character of six
    assert resembles("sox", 5000) is None  # one substitution from six: too short to tell
    assert resembles("reqeusts", 5) is None  # requests is not in the top 5
    assert resembles("zzqqxxwwvv", 15000) is None


def test_shipped_list_has_a_dated_source_header_and_is_normalised() -> None:
    path = REPO / "gatekeeper" / "gates" / "supply_chain" / "top_pypi.txt"
    head = path.read_text(encoding="utf-8").splitlines()[:2]
    assert head[0].startswith("#") and "2026-" in head[1]
    names = list(ranks())
    assert len(names) > 14000 and names[0] == "boto3"
    assert all(n == n.lower() and "_" not in n and "." not in n for n in names)


def test_lookup_is_fast_per_name() -> None:
    resembles("warm-up", 15000)
    start = time.perf_counter()
    for name in list(ranks())[:500]:
        resembles(name + "qz", 15000)
    per_name = (time.perf_counter() - start) / 500
    assert per_name < 0.01, f"{per_name * 1000:.2f} ms per name"


def test_typosquat_and_denylist_findings(tmp_path: Path) -> None:
    write(tmp_path, "requirements.txt", "reqeusts==2.31.0\ncolourama==0.1\nflask==3.0.0\n")
    write(tmp_path, "requirements-dev.txt", "Reqeusts==2.31.0\n")
    result = run(tmp_path)
    [squat] = by_rule(result, "GK-SUP-001")
    assert squat.severity is Severity.HIGH
    assert squat.data["resembles"] == "requests" and squat.data["mutation"] == "swapped characters"
    assert squat.location is not None and str(squat.location) == "requirements.txt:1"
    assert "requests" in squat.message and "supply_chain.allow" in squat.message
    [denied] = by_rule(result, "GK-SUP-002")
    assert denied.severity is Severity.CRITICAL and denied.data["package"] == "colourama"
    assert result.metrics["dependencies"] == 3


def test_default_denylist_is_the_documented_one() -> None:
    assert Policy().supply_chain.denylist == list(KNOWN_MALICIOUS)
    text = (REPO / "policies" / "default.toml").read_text(encoding="utf-8")
    assert all(f'"{name}"' in text for name in KNOWN_MALICIOUS)
    assert text == (REPO / "gatekeeper" / "policy" / "default.toml").read_text(encoding="utf-8")


def test_denylist_from_policy_is_normalised(tmp_path: Path) -> None:
    write(tmp_path, "requirements.txt", "evil.pkg==1.0\n")
    result = run(tmp_path, policy(supply_chain={"denylist": ["Evil_Pkg"]}))
    assert rules(result) == {"GK-SUP-002"}


# Pinning for applications


def test_application_pins_hashes_and_urls(tmp_path: Path) -> None:
    write(
        tmp_path,
        "requirements.txt",
        "flask>=3\n"
        "click==8.1.7 --hash=sha256:" + "a" * 64 + "\n"
        "rich==13.0.0\n"
        "httpx @ https://user:secret@example.com/httpx-0.27.0.tar.gz\n"
        "git+https://github.com/pallets/jinja.git#egg=jinja2\n",
    )
    result = run(tmp_path, policy(supply_chain={"require_hashes": True}))
    [unpinned] = by_rule(result, "GK-SUP-003")
    assert unpinned.data["package"] == "flask" and ">=3" in unpinned.message
    urls = by_rule(result, "GK-SUP-005")
    assert {f.data["package"] for f in urls} == {"httpx", "jinja2"}
    assert all("secret" not in f.message and "secret" not in str(f.data) for f in urls)
    hashless = {f.data["package"] for f in by_rule(result, "GK-SUP-004")}
    assert hashless == {"flask", "rich", "httpx", "jinja2"}


def test_library_ranges_and_hashes_are_not_findings(tmp_path: Path) -> None:
    write(tmp_path, "requirements.txt", "flask>=3\nrich==13.0.0\n")
    pol = policy(supply_chain={"require_hashes": True}, **LIBRARY)
    assert run(tmp_path, pol).findings == ()
    assert rules(run(tmp_path)) == {"GK-SUP-003"}  # an application without require_hashes


# Dependency confusion


def _transport(served: dict[str, list[str]], seen: list[str]) -> httpx.MockTransport:
    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        name = request.url.path.strip("/").split("/")[-1]
        if name not in served:
            return httpx.Response(404)
        files = [{"filename": f, "url": f, "hashes": {}} for f in served[name]]
        return httpx.Response(
            200,
            json={"meta": {"api-version": "1.1"}, "name": name, "files": files},
            headers={"content-type": "application/vnd.pypi.simple.v1+json"},
        )

    return httpx.MockTransport(handler)


def test_internal_name_on_the_public_index_is_critical(tmp_path: Path) -> None:
    write(
        tmp_path, "requirements.txt", "corp-auth==1.0\ncorp-auth==1.0\ncorp-db==2.0\nrich==13.0\n"
    )
    seen: list[str] = []
    served = {"corp-auth": ["corp_auth-9.9.tar.gz"]}
    client = IndexClient("https://mirror.example/simple/", transport=_transport(served, seen))
    result = run(tmp_path, client=client)
    [found] = by_rule(result, "GK-SUP-006")
    assert found.severity is Severity.CRITICAL and found.data["package"] == "corp-auth"
    assert "newest 9.9" in found.message and "mirror.example" in found.message
    assert len(seen) == 2  # corp-auth once, corp-db; never the public rich
    assert not by_rule(result, "GK-SUP-001")  # internal names are not typosquats


def test_internal_name_with_no_files_still_exists(tmp_path: Path) -> None:
    write(tmp_path, "requirements.txt", "corp-auth==1.0\n")
    client = IndexClient("https://x.example/simple/", transport=_transport({"corp-auth": []}, []))
    [found] = by_rule(run(tmp_path, client=client), "GK-SUP-006")
    assert "0 version(s))" in found.message


def test_public_index_setting_order() -> None:
    assert public_index(Policy()) == PYPI_SIMPLE
    audit = policy(audit={"index_url": "https://a.example/simple/"})
    assert public_index(audit) == "https://a.example/simple/"
    both = policy(
        audit={"index_url": "https://a.example/simple/"},
        supply_chain={"public_index_url": "https://b.example/simple/"},
    )
    assert public_index(both) == "https://b.example/simple/"


@pytest.mark.slow
def test_confusion_against_a_loopback_index(tmp_path: Path) -> None:
    write(tmp_path, "requirements.txt", "corp-lib==1.0\ncorp-private==1.0\n")
    with simple_index({"corp-lib": [("corp_lib-1.2.tar.gz", False)]}) as url:
        pol = policy(supply_chain={"public_index_url": f"{url}/html/simple/"})
        gate = load_gate("supply_chain")
        result = gate.run(GateContext(tmp_path, pol, GitRepo(tmp_path)))
        assert [f.data["package"] for f in by_rule(result, "GK-SUP-006")] == ["corp-lib"]
        down = policy(supply_chain={"public_index_url": f"{url}/error/simple/"})
        with pytest.raises(BackendUnavailable):
            SupplyChainGate().run(GateContext(tmp_path, down, GitRepo(tmp_path)))


# Extra indexes


def test_extra_index_in_each_file_kind(tmp_path: Path) -> None:
    write(
        tmp_path,
        "requirements.txt",
        "--index-url https://pypi.org/simple/\n"
        "--extra-index-url https://user:hunter2@corp.example/simple/\n"
        "--extra-index-url=https://other.example/simple/\n"
        "rich==13.0.0\n",
    )
    write(
        tmp_path,
        "pip.conf",
        "[global]\nindex-url = https://pypi.org/simple/\n"
        "extra-index-url = https://a.example/simple/\n    https://b.example/simple/\n",
    )
    write(
        tmp_path,
        "uv.toml",
        'extra-index-url = ["https://c.example/simple/"]\n'
        '[pip]\nextra-index-url = "https://g.example/simple/"\n'
        '[[index]]\nname = "corp"\nurl = "https://d.example/simple/"\n\n'
        '[[index]]\nname = "only-pinned"\nurl = "https://e.example/simple/"\nexplicit = true\n\n'
        '[[index]]\nname = "mirror"\nurl = "https://f.example/simple/"\ndefault = true\n',
    )
    result = run(tmp_path, policy(**LIBRARY))
    found = {
        (f.location.path, f.location.line, f.data["url"])
        for f in by_rule(result, "GK-SUP-007")
        if f.location
    }
    assert found == {
        ("requirements.txt", 2, "https://***@corp.example/simple/"),
        ("requirements.txt", 3, "https://other.example/simple/"),
        ("pip.conf", 3, "https://a.example/simple/"),
        ("pip.conf", 3, "https://b.example/simple/"),
        ("uv.toml", 1, "https://c.example/simple/"),
        ("uv.toml", 3, "https://g.example/simple/"),
        ("uv.toml", 6, "https://d.example/simple/"),
    }
    assert "hunter2" not in json.dumps([f.message for f in result.findings])


def test_uv_toml_string_form_and_odd_entries(tmp_path: Path) -> None:
    write(tmp_path, "requirements.txt", "rich==13.0.0\n")
    write(
        tmp_path,
        ".config/uv/uv.toml",
        'extra-index-url = "https://c.example/simple/"\nindex = [1, {name = "x"}]\n',
    )
    result = run(tmp_path, policy(**LIBRARY))
    urls = sorted(f.data["url"] for f in by_rule(result, "GK-SUP-007"))
    assert urls == ["", "https://c.example/simple/"]
    write(tmp_path, ".config/uv/uv.toml", 'extra-index-url = [1]\nindex = "x"\n')
    assert run(tmp_path, policy(**LIBRARY)).findings == ()


def test_uv_settings_in_pyproject_and_its_pip_table(tmp_path: Path) -> None:
    write(
        tmp_path,
        "pyproject.toml",
        '[project]\nname = "svc"\nversion = "1"\ndependencies = ["rich==13.0.0"]\n\n'
        '[tool.uv.pip]\nextra-index-url = ["https://p.example/simple/"]\n\n'
        '[[tool.uv.index]]\nname = "corp"\nurl = "https://q.example/simple/"\n',
    )
    result = run(tmp_path, policy(**LIBRARY))
    found = {
        (f.data["setting"], f.data["url"], f.location.line if f.location else 0)
        for f in by_rule(result, "GK-SUP-007")
    }
    assert found == {
        ("tool.uv.pip.extra-index-url", "https://p.example/simple/", 7),
        ("[[tool.uv.index]]", "https://q.example/simple/", 11),
    }
    for other in ("[tool]\nuv = 1\n", '[project]\nname = "svc"\n'):
        write(tmp_path, "pyproject.toml", other)
        assert not by_rule(run(tmp_path, policy(**LIBRARY)), "GK-SUP-007")


def test_malformed_requirements_option_is_still_seen(tmp_path: Path) -> None:
    scan = indexes.Scan()
    indexes.requirements_file("r.txt", "--extra-index-url 'unclosed\n--extra-index-urlx y\n", scan)
    assert [f.url for f in scan.found] == ["'unclosed"]
    indexes.requirements_file("r.txt", "--extra-index-url\n", scan)
    assert scan.found[-1].url == ""


# Hostile inputs: skipped with a counted note, never read outside the repository


def test_binary_huge_non_utf8_malformed_and_outside_files_are_skipped(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    write(root, "requirements.txt", "rich==13.0.0\n")
    write(root, "pip.conf", b"\x00\x01binary")
    write(root, "pip.ini", "[global\nextra-index-url = x\n")
    write(root, ".pip/pip.conf", b"[global]\nextra-index-url = \xff\n")
    write(root, "uv.toml", "x" * (indexes.MAX_BYTES + 1))
    outside = write(tmp_path, "secret.toml", 'extra-index-url = ["https://outside.example/"]\n')
    (root / ".config/uv").mkdir(parents=True)
    os.symlink(outside, root / ".config/uv/uv.toml")
    result = run(root, policy(**LIBRARY))
    notes = {f.location.path: f.data["reason"] for f in by_rule(result, "GK-SUP-009") if f.location}
    assert notes == {
        "pip.conf": "a binary file",
        "pip.ini": "not an ini file: MissingSectionHeaderError",
        ".pip/pip.conf": "not UTF-8 text (byte 27)",
        "uv.toml": f"larger than {indexes.MAX_BYTES} bytes",
        ".config/uv/uv.toml": "outside the repository (a symlink)",
    }
    assert result.metrics["skipped_files"] == 5
    assert all(f.severity is Severity.INFO for f in by_rule(result, "GK-SUP-009"))
    assert not by_rule(result, "GK-SUP-007")


def test_symlink_loop_and_bad_toml_are_skipped(tmp_path: Path) -> None:
    write(tmp_path, "requirements.txt", "rich==13.0.0\n")
    os.symlink(tmp_path / "pip.conf", tmp_path / "pip.conf")
    write(tmp_path, "uv.toml", "[[index]\n")
    result = run(tmp_path, policy(**LIBRARY))
    reasons = {
        f.location.path: f.data["reason"] for f in by_rule(result, "GK-SUP-009") if f.location
    }
    assert reasons["pip.conf"] == "outside the repository (a symlink)"
    assert reasons["uv.toml"].startswith("not TOML")


def test_scan_of_a_vanished_requirements_file_finds_nothing(tmp_path: Path) -> None:
    scan = indexes.scan(indexes.tree_text(tmp_path), ["gone.txt"])
    assert (scan.found, scan.skipped) == ([], {})


def test_read_error_without_strerror_is_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from gatekeeper import fsutil

    def fail(path: Path, limit: int) -> bytes:
        raise OSError("odd")

    monkeypatch.setattr(fsutil, "read_bounded", fail)
    write(tmp_path, "pip.conf", "[global]\n")
    scan = indexes.Scan()
    assert indexes.read_text(tmp_path, "pip.conf", scan) is None
    assert scan.skipped == {"pip.conf": "OSError"}


def test_binary_requirements_file_is_an_input_error(tmp_path: Path) -> None:
    write(tmp_path, "requirements.txt", b"\xff\xfe\x00r")
    with pytest.raises(InputError, match="not UTF-8"):
        run(tmp_path)


# Budget


UV_LOCK = """\
version = 1

[[package]]
name = "svc"
version = "0.1.0"
source = { editable = "." }
dependencies = [{ name = "httpx" }]

[[package]]
name = "httpx"
version = "0.27.0"
source = { registry = "https://pypi.org/simple" }
dependencies = [{ name = "anyio" }, { name = "idna" }]

[[package]]
name = "anyio"
version = "4.0.0"
source = { registry = "https://pypi.org/simple" }

[[package]]
name = "idna"
version = "3.7"
source = { registry = "https://pypi.org/simple" }
"""


def test_budget_counts_direct_and_locked_transitive(tmp_path: Path) -> None:
    write(
        tmp_path,
        "pyproject.toml",
        '[project]\nname = "svc"\nversion = "0.1.0"\ndependencies = ["httpx>=0.27"]\n',
    )
    write(tmp_path, "uv.lock", UV_LOCK)
    result = run(tmp_path, policy(supply_chain={"max_dependencies": 0, "max_transitive": 1}))
    budget = by_rule(result, "GK-SUP-008")
    assert [f.data["count"] for f in budget] == [1, 2]
    assert all(f.severity is Severity.MEDIUM for f in budget)
    assert (result.metrics["direct"], result.metrics["transitive"]) == (1, 2)
    within = run(tmp_path, policy(supply_chain={"max_dependencies": 1, "max_transitive": 2}))
    assert not by_rule(within, "GK-SUP-008")


def test_budget_with_a_lock_and_no_pyproject_and_without_a_lock(tmp_path: Path) -> None:
    write(tmp_path, "uv.lock", UV_LOCK)
    write(tmp_path, "requirements.txt", "httpx==0.27.0\n")
    result = run(tmp_path, policy(audit={"files": ["uv.lock", "requirements.txt"]}))
    assert (result.metrics["direct"], result.metrics["transitive"]) == (1, 2)
    (tmp_path / "uv.lock").unlink()
    only = run(tmp_path, policy(supply_chain={"max_transitive": 0, "max_dependencies": 5}))
    assert only.metrics["transitive"] is None and not by_rule(only, "GK-SUP-008")


# The gate as a whole, and its policy


def test_no_python_project_is_skipped(tmp_path: Path) -> None:
    assert run(tmp_path).skipped is not None


def test_policy_section_problems_name_their_keys() -> None:
    with pytest.raises(InvalidPolicy) as info:
        policy(
            supply_chain={
                "denylist": ["ok", ""],
                "popular": 0,
                "max_dependencies": -1,
                "public_index_url": "",
                "require_hash": True,
            }
        )
    text = str(info.value)
    for key in (
        "supply_chain.denylist.1",
        "supply_chain.popular",
        "supply_chain.max_dependencies",
        "supply_chain.public_index_url",
        "supply_chain.require_hash",
    ):
        assert key in text, text
    assert "did you mean 'require_hashes'" in text
    read = from_mapping(SupplyChainPolicy, {"max_transitive": 3, "allow": ["x"]})
    assert (read.max_transitive, read.allow, read.fail_on) == (3, ["x"], Severity.MEDIUM)


def test_registered_and_module_reads_data_lazily() -> None:
    assert isinstance(load_gate("supply_chain"), SupplyChainGate)
    assert typosquat.ranks.cache_info().currsize <= 1


@pytest.mark.slow
def test_console_script_catches_a_typosquat_and_passes_this_repository(tmp_path: Path) -> None:
    write(tmp_path, "requirements.txt", "reqeusts==2.31.0\n")
    proc = run_cli("check", str(tmp_path), "--gate", "supply_chain", "--format", "json")
    assert proc.returncode == 1, proc.stderr
    report = json.loads(proc.stdout)
    found = {f["rule_id"] for g in report["gates"] for f in g["findings"]}
    assert found == {"GK-SUP-001"}
    proc = run_cli("check", str(REPO), "--gate", "supply_chain")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    write(tmp_path, "requirements.txt", b"\xff\xfe")
    proc = run_cli("check", str(tmp_path), "--gate", "supply_chain")
    assert proc.returncode == 2 and "Traceback" not in proc.stderr


# PR mode: the dependency files as they are at the base


def _pr_repo(tmp_path: Path) -> Path:
    from tests.helpers import commit_all, git, init_repo

    root = init_repo(tmp_path / "repo")
    write(root, "requirements.txt", "reqeusts==2.31.0\nflask>=2.0\ncorp-lib==1.0\n")
    write(root, "pip.conf", "[global]\nextra-index-url = https://a.example/simple/\n")
    commit_all(root, "main")
    git(root, "checkout", "-q", "-b", "feature")
    return root


def _pr_findings(root: Path, url: str) -> dict[str, bool]:
    """Each finding's rule and package (or file) → whether it is pre-existing."""
    from gatekeeper import runner

    pol = policy(supply_chain={"public_index_url": f"{url}/html/simple/"})
    report = runner.run(
        root,
        pol,
        gates=["supply_chain"],
        base_ref="main",
        loader=lambda name: SupplyChainGate(IndexClient(f"{url}/html/simple/")),
    )
    (gate,) = report.gates
    return {
        f"{j.finding.rule_id} {j.finding.data.get('package') or j.finding.data.get('url')}": (
            j.pre_existing
        )
        for j in gate.findings
    }


@pytest.mark.slow
def test_pr_mode_findings_of_the_base_dependency_files_are_pre_existing(tmp_path: Path) -> None:
    root = _pr_repo(tmp_path)
    write(
        root,
        "requirements.txt",
        "# reordered, with new ones\ncorp-new==1.0\nflask>=2.0\ndjnago==5.0\nrich>=13\n"
        "corp-lib==1.0\nreqeusts==2.31.0\n",
    )
    write(root, "requirements-dev.txt", "--extra-index-url https://b.example/simple/\n")
    index = {
        "corp-lib": [("corp_lib-1.2.tar.gz", False)],
        "corp-new": [("corp_new-1.0.tar.gz", False)],
    }
    with simple_index(index) as url:
        found = _pr_findings(root, url)
    assert found == {
        "GK-SUP-001 reqeusts": True,
        "GK-SUP-003 flask": True,
        "GK-SUP-006 corp-lib": True,
        "GK-SUP-007 https://a.example/simple/": True,
        "GK-SUP-001 djnago": False,
        "GK-SUP-003 rich": False,
        "GK-SUP-006 corp-new": False,
        "GK-SUP-007 https://b.example/simple/": False,
    }


@pytest.mark.slow
def test_pr_mode_with_an_unparsable_base_counts_every_dependency_as_new(tmp_path: Path) -> None:
    from tests.helpers import commit_all, git

    root = _pr_repo(tmp_path)
    write(root, "requirements.txt", "-r ../outside.txt\nreqeusts==2.31.0\n")
    commit_all(root)
    git(root, "branch", "-f", "main")
    write(root, "requirements.txt", "reqeusts==2.31.0\n")
    with simple_index({}) as url:
        found = _pr_findings(root, url)
    assert found == {"GK-SUP-001 reqeusts": False, "GK-SUP-007 https://a.example/simple/": True}


@pytest.mark.slow
def test_pr_mode_reads_nothing_from_the_working_tree_for_the_base(tmp_path: Path) -> None:
    root = _pr_repo(tmp_path)
    gate = SupplyChainGate()
    assert gate.baseline(GateContext(root, Policy(), GitRepo(root))) is None
    write(root, "requirements.txt", "requests==2.31.0\n")  # fixed in the working tree
    (root / "pip.conf").unlink()
    ctx = GateContext(root, policy(internal={"prefixes": []}), GitRepo(root), base_ref="main")
    base = gate.baseline(ctx)
    at_main = {
        f.fingerprint
        for f in SupplyChainGate().run(GateContext(root, ctx.policy, GitRepo(root))).findings
    }
    assert base is not None and not at_main & set(base)  # nothing now was there
    assert len(base) == 3  # reqeusts, flask and pip.conf's extra index, as at main


@pytest.mark.slow
def test_git_text_applies_the_working_tree_checks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.helpers import commit_all, init_repo

    root = init_repo(tmp_path / "repo")
    write(root, "bin.conf", b"\0\1")
    write(root, "latin.conf", "caf\xe9".encode("latin-1"))
    write(root, "big.conf", "x" * 100)
    write(root, "ok.conf", "fine\n")
    commit_all(root)
    read = indexes.git_text(GitRepo(root), "HEAD")
    scan = indexes.Scan()
    assert read("ok.conf", scan, 10) == "fine\n"
    assert read("missing.conf", scan, 10) is None
    assert [read(n, scan, 50) for n in ("bin.conf", "latin.conf", "big.conf")] == [None] * 3
    monkeypatch.setattr("gatekeeper.git.MAX_BLOB_BYTES", 4)
    assert read("big.conf", scan, 1000) is None and read("ok.conf", scan, 1000) is None
    assert scan.skipped == {
        "bin.conf": "a binary file",
        "latin.conf": "not UTF-8 text (byte 3)",
        "big.conf": "larger than 1000 bytes",
        "ok.conf": "larger than 1000 bytes",
    }
