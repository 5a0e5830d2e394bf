"""Public API comparison with griffe between two small releases of a package.

griffe runs ``git`` on what it loads (for source links), so the comparisons are slow tests.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from packaging.version import Version

from gatekeeper.model import Severity
from gatekeeper.registry.semver import api_changes, is_major_bump, package_dir
from tests.report.conftest import REPO_ROOT

OLD = '''"""corp_x 1.0."""

def fetch(url, timeout=5.0, retries=3):
    """Fetch."""

class Base:
    """A base."""

class Service(Base):
    """Has a base."""

def parse(text):
    """Parse."""

class Client:
    def get(self, key):
        """Get."""

def _helper():
    """Private: may change."""
'''
#: fetch lost its default, parse is gone, Client.get needs a new argument, _helper changed.
NEW = '''"""corp_x 1.1."""

def fetch(url, timeout=10.0):
    """Fetch."""

class Base:
    """A base."""

class Service:
    """Lost its base."""

class Client:
    def get(self, key, region):
        """Get."""

def _helper(x):
    """Private: may change."""

def added():
    """New names break nobody."""
'''


def _release(root: Path, source: str, *, src_layout: bool = False) -> Path:
    package = (root / "src" if src_layout else root) / "corp_x"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text(source)
    return root


@pytest.mark.parametrize(
    ("old", "new", "major"),
    [
        ("1.0.0", "2.0.0", True),
        ("1.4.2", "1.5.0", False),
        ("1.4.2", "1.4.3", False),
        ("0.3.1", "0.4.0", True),
        ("0.3.1", "0.3.2", False),
        ("0.9", "1.0", True),
        ("2.0", "1.9", False),
    ],
)
def test_is_major_bump(old: str, new: str, major: bool) -> None:
    assert is_major_bump(Version(old), Version(new)) is major


@pytest.mark.slow
def test_breaking_changes_without_a_major_bump_are_findings(tmp_path: Path) -> None:
    old = _release(tmp_path / "old", OLD)
    new = _release(tmp_path / "new", NEW, src_layout=True)
    found = api_changes(old, new, "corp_x", old_version="1.0.0", new_version="1.1.0")
    messages = sorted(f.message for f in found)
    span = "from 1.0.0 to 1.1.0"
    assert [f.rule_id for f in found] == ["GK-PUB-030"] * 5
    assert all(f.severity is Severity.HIGH for f in found)
    advice = "keep the old name working, or publish a major version"
    assert messages == [
        f"corp_x.Client.get: Parameter was added as required (nothing -> region) {span}: {advice}",
        f"corp_x.Service: Base class was removed (Base -> none) {span}: {advice}",
        f"corp_x.fetch: Parameter default was changed (timeout=5.0 -> timeout=10.0) {span}: "
        f"{advice}",
        f"corp_x.fetch: Parameter was removed (retries=3 -> nothing) {span}: {advice}",
        f"corp_x.parse: Public object was removed {span}: {advice}",
    ]
    assert str(found[0].location) == "corp_x 1.0.0 -> 1.1.0"


@pytest.mark.slow
def test_with_a_major_bump_they_are_info(tmp_path: Path) -> None:
    old = _release(tmp_path / "old", OLD)
    new = _release(tmp_path / "new", NEW)
    found = api_changes(old, new, "corp_x", old_version="1.0.0", new_version="2.0.0")
    assert [f.rule_id for f in found] == ["GK-PUB-031"] * 5
    assert all(f.severity is Severity.INFO and "changelog" in f.message for f in found)
    found = api_changes(old, new, "corp_x", old_version="0.3.0", new_version="0.4.0")
    assert {f.rule_id for f in found} == {"GK-PUB-031"}


@pytest.mark.slow
def test_compatible_changes_and_ignored_paths_pass(tmp_path: Path) -> None:
    old = _release(tmp_path / "old", OLD)
    same = _release(tmp_path / "same", OLD + "\ndef more():\n    pass\n")
    assert api_changes(old, same, "corp_x", old_version="1.0", new_version="1.0.1") == []
    new = _release(tmp_path / "new", NEW)
    ignored = ("corp_x.parse", "corp_x.fetch", "corp_x.Client.get", "corp_x.Service")
    assert api_changes(old, new, "corp_x", old_version="1", new_version="1.1", ignore=ignored) == []


@pytest.mark.slow
def test_the_code_is_parsed_never_imported(tmp_path: Path) -> None:
    marker = tmp_path / "imported"
    hostile = f"import pathlib\npathlib.Path({str(marker)!r}).write_text('ran')\n\ndef f(): ...\n"
    old = _release(tmp_path / "old", hostile)
    new = _release(tmp_path / "new", hostile.replace("def f(): ...", ""))
    (found,) = api_changes(old, new, "corp_x", old_version="1.0", new_version="1.1")
    assert found.data["object"] == "corp_x.f"
    assert not marker.exists()


@pytest.mark.slow
def test_a_missing_package_cannot_be_compared(tmp_path: Path) -> None:
    old = _release(tmp_path / "old", OLD)
    (tmp_path / "empty").mkdir()
    (found,) = api_changes(old, tmp_path / "empty", "corp_x", old_version="1", new_version="2")
    assert found.rule_id == "GK-PUB-032" and found.severity is Severity.HIGH
    assert "no package 'corp_x' in empty" in found.message


def test_package_dir_finds_wheels_src_layouts_and_modules(tmp_path: Path) -> None:
    assert package_dir(_release(tmp_path / "w", OLD), "corp_x") == tmp_path / "w"
    assert package_dir(_release(tmp_path / "s", OLD, src_layout=True), "corp_x") == (
        tmp_path / "s" / "src"
    )
    (tmp_path / "m").mkdir()
    (tmp_path / "m" / "corp_y.py").write_text("def f(): ...\n")
    assert package_dir(tmp_path / "m", "corp_y") == tmp_path / "m"
    assert package_dir(tmp_path / "m", "corp_x") is None


@pytest.mark.slow
def test_the_sample_client_without_trust_only_needs_a_major_version(tmp_path: Path) -> None:
    source = REPO_ROOT / "packages" / "corp-recipe-client" / "src"
    old = tmp_path / "old"
    shutil.copytree(source, old / "src")
    new = tmp_path / "new"
    shutil.copytree(source, new / "src")
    init = new / "src" / "corp_recipe_client" / "__init__.py"
    init.write_text(init.read_text().replace("    trust_only,\n", "").replace(', "trust_only"', ""))
    found = api_changes(old, new, "corp_recipe_client", old_version="1.0.0", new_version="1.1.0")
    assert [(f.rule_id, f.data["object"]) for f in found] == [
        ("GK-PUB-030", "corp_recipe_client.trust_only")
    ]
    assert (
        api_changes(old, old, "corp_recipe_client", old_version="1.0.0", new_version="1.0.1") == []
    )


@pytest.mark.slow
def test_only_python_sources_are_loaded_and_a_module_package_works(tmp_path: Path) -> None:
    old = tmp_path / "old"
    (old / ".git").mkdir(parents=True)
    (old / ".git" / "config").write_text("[core]\n\tfsmonitor = touch pwned\n")
    (old / "corp_y.py").write_text("def f(): ...\ndef g(): ...\n")
    new = tmp_path / "new"
    pkg = new / "corp_y"
    (pkg / ".git").mkdir(parents=True)
    (pkg / "__init__.py").write_text("def f(): ...\n")
    (pkg / "data.bin").write_bytes(b"\0")
    (pkg / "link.py").symlink_to(tmp_path / "elsewhere.py")
    (found,) = api_changes(old, new, "corp_y", old_version="1.0", new_version="1.1")
    assert found.data["object"] == "corp_y.g"
    assert not any(tmp_path.rglob("pwned"))


@pytest.mark.slow
def test_a_syntax_error_cannot_be_compared(tmp_path: Path) -> None:
    old = _release(tmp_path / "old", OLD)
    new = _release(tmp_path / "new", "def broken(:\n")
    (found,) = api_changes(old, new, "corp_x", old_version="1.0", new_version="1.1")
    assert found.rule_id == "GK-PUB-032" and "Syntax error" in found.message


@pytest.mark.slow
def test_long_values_are_shortened(tmp_path: Path) -> None:
    base = "B" * 100
    old = _release(tmp_path / "old", f"class {base}: ...\nclass A({base}): ...\n")
    new = _release(tmp_path / "new", f"class {base}: ...\nclass A: ...\n")
    (found,) = api_changes(old, new, "corp_x", old_version="1.0", new_version="1.1")
    assert f"({'B' * 77}... -> none)" in found.message
