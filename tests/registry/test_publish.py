"""``gatekeeper publish`` end to end on a real devpi-server: real builds, real pip, real git.

Each test gets its own organisation (``ORG/staging`` and ``ORG/prod`` made by ``registry
init``'s code) and a small package in its own git repository; ``pub/simple`` on the same server
stands in for the public index.
"""

from __future__ import annotations

import secrets
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from pydantic import SecretStr

from gatekeeper.model import Status
from gatekeeper.policy.load import load_policy, with_overrides
from gatekeeper.policy.model import Policy, RegistryPolicy
from gatekeeper.registry import release
from gatekeeper.registry.bootstrap import ensure_layout
from gatekeeper.registry.devpi import DevpiClient
from gatekeeper.registry.publish import Published, Target, import_name, publish
from tests.helpers import run_cli
from tests.registry.artifacts import make_wheel
from tests.servers import Devpi

pytestmark = pytest.mark.slow

PUBLIC = "pub/simple"


@dataclass
class Org:
    name: str
    publisher: str
    password: str
    target: Target


@pytest.fixture(scope="module")
def public(devpi: Devpi) -> str:
    """The stand-in public index, holding ``corp-taken`` (a name someone claimed publicly)."""
    with DevpiClient(devpi.url) as root:
        root.login("root", SecretStr(devpi.root_password))
        if root.get_user("pub") is None:
            root.create_user("pub", SecretStr(secrets.token_urlsafe(16)))
            root.create_index(PUBLIC, {"volatile": True, "acl_upload": ["root"]})
        out = Path(devpi.serverdir).parent / "public-dists"
        wheel = make_wheel(out, "corp-taken", "9.0")
        release.upload(root, PUBLIC, [wheel], release.core_metadata(wheel))
    return f"{devpi.url}/{PUBLIC}/+simple/"


@pytest.fixture
def org(devpi: Devpi) -> Iterator[Org]:
    name = f"org{secrets.token_hex(4)}"
    publisher, password = f"pub{secrets.token_hex(4)}", secrets.token_urlsafe(16)
    with DevpiClient(devpi.url) as root:
        root.login("root", SecretStr(devpi.root_password))
        root.create_user(publisher, SecretStr(password))
        ensure_layout(root, RegistryPolicy(), org=name, publisher=publisher)
    yield Org(
        name,
        publisher,
        password,
        Target(url=devpi.url, staging=f"{name}/staging", prod=f"{name}/prod"),
    )


def git(repo: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@example.invalid", *args],
        check=True,
        capture_output=True,
        text=True,
    )
    return done.stdout.strip()


def project(
    tmp: Path,
    version: str,
    source: str = "def greet(name: str) -> str:\n    return 'hi ' + name\n",
    *,
    name: str = "corp-greet",
    extra: dict[str, str] | None = None,
) -> Path:
    """A hatchling package ``name`` in its own git repository, committed."""
    root = tmp / "project"
    package = name.replace("-", "_")
    files = {
        "pyproject.toml": (
            '[build-system]\nrequires = ["hatchling>=1.21"]\nbuild-backend = "hatchling.build"\n'
            f'[project]\nname = "{name}"\nversion = "{version}"\ndescription = "greets"\n'
            'readme = "README.md"\nrequires-python = ">=3.11"\nlicense = "Apache-2.0"\n'
            f'[tool.hatch.build.targets.wheel]\npackages = ["src/{package}"]\n'
            f'[tool.hatch.build.targets.sdist]\ninclude = ["src/{package}", "README.md", '
            '"pyproject.toml"]\n'
        ),
        "README.md": "# greet\n\nGreets people.\n",
        f"src/{package}/__init__.py": source,
        **(extra or {}),
    }
    for path, text in files.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(text)
    if not (root / ".git").exists():
        git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-qm", f"release {version}", "--allow-empty")
    return root


def policy_for(root: Path, public: str, **publish: object) -> Policy:
    return with_overrides(
        load_policy(root).policy,
        {"supply_chain": {"public_index_url": public}, "publish": {"gates": [], **publish}},
    )


def run(root: Path, org: Org, public: str, *, dry_run: bool = False) -> Published:
    with DevpiClient(org.target.url) as client:
        client.login(org.publisher, SecretStr(org.password))
        return publish(
            root,
            policy=policy_for(root, public),
            client=client,
            target=org.target,
            dry_run=dry_run,
        )


def on(devpi: Devpi, index: str, name: str = "corp-greet") -> dict[str, object]:
    with DevpiClient(devpi.url) as client:
        return dict(client.versions(index, name))


def statuses(outcome: Published) -> dict[str, Status]:
    return {g.name: g.status for g in outcome.gates}


def rule_ids(outcome: Published) -> set[str]:
    return {f.finding.rule_id for g in outcome.gates for f in g.findings}


# ------------------------------------------------------------------------ the flow
def test_publish_releases_to_prod_with_provenance_and_pip_installs_it(
    devpi: Devpi, org: Org, public: str, tmp_path: Path
) -> None:
    root = project(tmp_path, "1.0.0")
    outcome = run(root, org, public)
    assert outcome.state == "published", statuses(outcome)
    assert (outcome.name, outcome.version) == ("corp-greet", "1.0.0")
    assert list(statuses(outcome)) == ["source", "build", "release", "artifacts", "api", "upload"]
    assert "src/corp_greet/__init__.py" in outcome.listing  # the sdist's listing
    assert "corp_greet/__init__.py" in outcome.listing
    assert set(on(devpi, org.target.prod)) == {"1.0.0"}
    with DevpiClient(devpi.url) as client:
        records = release.read_provenance(client, org.target.prod, "corp-greet", "1.0.0")
    assert len(records) == 2  # sdist and wheel
    for record in records.values():
        assert record.commit == git(root, "rev-parse", "HEAD")
        assert record.gates["artifacts"] == "passed" and record.gates["build"] == "passed"
    # a plain pip install from the prod index into a fresh venv
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(venv / "bin" / "python"),
            "install",
            "-q",
            "--no-cache-dir",
            "--index-url",
            f"{devpi.url}/{org.target.prod}/+simple/",
            "corp-greet==1.0.0",
        ],
        check=True,
        env={"PATH": "/usr/bin:/bin", "PIP_CONFIG_FILE": "/dev/null", "HOME": str(tmp_path)},
    )
    said = subprocess.run(
        [str(venv / "bin" / "python"), "-c", "import corp_greet; print(corp_greet.greet('x'))"],
        check=True,
        capture_output=True,
        text=True,
    )
    assert said.stdout.strip() == "hi x"


def test_republishing_identical_files_is_a_no_op_and_changed_files_are_refused(
    devpi: Devpi, org: Org, public: str, tmp_path: Path
) -> None:
    root = project(tmp_path, "1.0.0")
    assert run(root, org, public).state == "published"
    again = run(root, org, public)  # the build is reproducible: same bytes
    assert again.state == "unchanged"
    assert "GK-PUB-042" in rule_ids(again)
    changed = project(tmp_path, "1.0.0", "def greet(name: str) -> str:\n    return 'yo ' + name\n")
    refused = run(changed, org, public)
    assert refused.state == "stopped" and refused.stopped_at == "release"
    assert "GK-PUB-041" in rule_ids(refused)
    assert set(on(devpi, org.target.prod)) == {"1.0.0"}


def test_a_lower_version_and_a_breaking_change_without_a_major_bump_are_refused(
    devpi: Devpi, org: Org, public: str, tmp_path: Path
) -> None:
    assert run(project(tmp_path, "1.2.0"), org, public).state == "published"
    lower = run(project(tmp_path, "1.1.0"), org, public)
    assert lower.stopped_at == "artifacts" and "GK-PUB-021" in rule_ids(lower)
    broken = project(
        tmp_path,
        "1.3.0",
        "def greet(name: str, punct: str) -> str:\n    return 'hi ' + name + punct\n",
    )
    outcome = run(broken, org, public)
    assert outcome.stopped_at == "api" and "GK-PUB-030" in rule_ids(outcome)
    assert set(on(devpi, org.target.prod)) == {"1.2.0"}
    assert set(on(devpi, org.target.staging)) == {"1.2.0"}  # 1.3.0 was never uploaded
    major = project(
        tmp_path,
        "2.0.0",
        "def greet(name: str, punct: str) -> str:\n    return 'hi ' + name + punct\n",
    )
    released = run(major, org, public)
    assert released.state == "published" and "GK-PUB-031" in rule_ids(released)


def test_a_name_on_the_public_index_and_a_forbidden_file_stop_before_any_upload(
    devpi: Devpi, org: Org, public: str, tmp_path: Path
) -> None:
    taken = run(project(tmp_path / "a", "1.0.0", name="corp-taken"), org, public)
    assert taken.stopped_at == "artifacts" and "GK-PUB-018" in rule_ids(taken)
    pyproject = project(tmp_path / "b", "1.0.0").joinpath("pyproject.toml").read_text()
    leaky = project(
        tmp_path / "b",
        "1.0.0",
        extra={
            "pyproject.toml": pyproject.replace('"src/corp_greet", ', '"src/corp_greet", ".env", '),
            ".env": "APP_MODE=dev\n",
        },
    )
    outcome = run(leaky, org, public)
    assert outcome.stopped_at == "artifacts" and "GK-PUB-012" in rule_ids(outcome)
    assert on(devpi, org.target.prod, "corp-taken") == {} and on(devpi, org.target.prod) == {}


def test_uncommitted_changes_stop_at_the_source_step(org: Org, public: str, tmp_path: Path) -> None:
    root = project(tmp_path, "1.0.0")
    (root / "src" / "corp_greet" / "extra.py").write_text("X = 1\n")
    outcome = run(root, org, public)
    assert outcome.stopped_at == "source" and "GK-PUB-040" in rule_ids(outcome)
    assert [g.name for g in outcome.gates] == ["source"]


def test_a_package_that_does_not_import_fails_the_smoke_test_and_prod_stays_empty(
    devpi: Devpi, org: Org, public: str, tmp_path: Path
) -> None:
    root = project(tmp_path, "1.0.0", "import corp_missing_dependency\n")
    outcome = run(root, org, public)
    assert outcome.stopped_at == "upload" and "GK-PUB-043" in rule_ids(outcome)
    assert on(devpi, org.target.prod) == {}
    assert on(devpi, org.target.staging) == {}  # the candidate was discarded


def test_dry_run_checks_everything_and_uploads_nothing(
    devpi: Devpi, org: Org, public: str, tmp_path: Path
) -> None:
    outcome = run(project(tmp_path, "1.0.0"), org, public, dry_run=True)
    assert outcome.state == "checked" and "upload" not in statuses(outcome)
    assert on(devpi, org.target.staging) == {} and on(devpi, org.target.prod) == {}


def test_import_name_prefers_the_distribution_s_own_package() -> None:
    files = ["corp_x/__init__.py", "other/__init__.py", "corp_x-1.dist-info/METADATA"]
    assert import_name(files, "corp-x") == "corp_x"
    assert import_name(["solo.py", "solo-1.dist-info/RECORD"], "corp-y") == "solo"
    assert import_name([], "corp-z") == "corp_z"


# ------------------------------------------------------------------ the command
def test_the_command_publishes_and_never_prints_the_password(
    devpi: Devpi, org: Org, public: str, tmp_path: Path
) -> None:
    root = project(tmp_path, "1.0.0")
    with (root / "pyproject.toml").open("a") as handle:
        handle.write(
            f'[tool.gatekeeper.supply_chain]\npublic_index_url = "{public}"\n'
            "[tool.gatekeeper.publish]\ngates = []\n"
        )
    git(root, "commit", "-qam", "policy")
    env = {
        "DEVPI_URL": devpi.url,
        "DEVPI_USER": org.publisher,
        "DEVPI_PASSWORD": org.password,
        "GATEKEEPER_DEBUG": "1",
    }
    done = run_cli("publish", str(root), "--index", org.target.prod, "-f", "json", env=env)
    assert done.returncode == 0, done.stderr
    assert f"corp-greet 1.0.0 is on {devpi.url}/{org.target.prod}" in done.stderr
    assert "Contents of corp_greet-1.0.0-py3-none-any.whl" in done.stderr
    assert org.password not in done.stdout + done.stderr
    again = run_cli("publish", str(root), "--index", org.target.prod, env=env)
    assert again.returncode == 0 and "identical files: nothing changed" in again.stderr
    wrong = run_cli(
        "publish",
        str(root),
        "--index",
        org.target.prod,
        env={**env, "DEVPI_PASSWORD": "not-" + org.password},
    )
    assert wrong.returncode == 3 and org.password not in wrong.stderr
    bad = run_cli("publish", str(root), "--index", "nonsense", env=env)
    assert bad.returncode == 2 and "USER/INDEX" in bad.stderr


def test_the_command_refuses_what_it_cannot_publish(
    devpi: Devpi, org: Org, public: str, tmp_path: Path
) -> None:
    env = {"DEVPI_URL": devpi.url}
    missing = run_cli("publish", str(tmp_path), env=env)
    assert missing.returncode == 2 and "no pyproject.toml" in missing.stderr
    root = project(tmp_path, "1.0.0")
    same = run_cli("publish", str(root), "--index", "a/b", "--staging", "a/b", env=env)
    assert same.returncode == 2 and "the same index" in same.stderr
    with (root / "pyproject.toml").open("a") as handle:
        handle.write(
            f'[tool.gatekeeper.supply_chain]\npublic_index_url = "{public}"\n'
            "[tool.gatekeeper.publish]\ngates = []\n"
        )
    git(root, "commit", "-qam", "policy")
    anonymous = run_cli("publish", str(root), "--index", org.target.prod, "--dry-run", env=env)
    assert anonymous.returncode == 0, anonymous.stderr
    assert "dry run: corp-greet 1.0.0 would be published" in anonymous.stderr
    (root / "README.md").write_text("changed, not committed\n")
    dirty = run_cli("publish", str(root), "--index", org.target.prod, "--dry-run", env=env)
    assert dirty.returncode == 1 and "stopped at step source" in dirty.stderr
