from __future__ import annotations

from pathlib import Path

import pytest

from gatekeeper.errors import InputError, UsageError
from gatekeeper.git import GitRepo
from tests.helpers import commit_all, git, init_repo

pytestmark = pytest.mark.slow  # every test here starts a subprocess or a server


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = init_repo(tmp_path / "repo")
    (root / "a.txt").write_text("one\ntwo\nthree\n")
    (root / "sub").mkdir()
    (root / "sub" / "gone.txt").write_text("bye\n")
    commit_all(root, "base")
    return root


def test_show_reads_files_at_a_ref_without_checkout(repo: Path) -> None:
    (repo / "a.txt").write_text("changed\n")
    commit_all(repo, "second")
    g = GitRepo(repo)
    assert g.show("HEAD~1", "a.txt") == b"one\ntwo\nthree\n"
    assert g.show("HEAD", "a.txt") == b"changed\n"
    assert g.show("HEAD", "missing.txt") is None
    assert (repo / "a.txt").read_text() == "changed\n"


def test_show_from_a_subdirectory_root(repo: Path) -> None:
    assert GitRepo(repo / "sub").show("HEAD", "gone.txt") == b"bye\n"


def test_changed_lines(repo: Path) -> None:
    git(repo, "checkout", "-q", "-b", "feature")
    (repo / "a.txt").write_text("one\nTWO\nthree\nfour\nfive\n")
    (repo / "new.txt").write_text("n1\nn2\n")
    (repo / "sub" / "gone.txt").unlink()
    commit_all(repo, "feature")
    (repo / "a.txt").write_text("zero\none\nTWO\nthree\nfour\nfive\n")  # uncommitted, counts too
    changed = GitRepo(repo).changed_lines("main")
    assert changed == {"a.txt": frozenset({1, 3, 5, 6}), "new.txt": frozenset({1, 2})}


def test_resolve(repo: Path) -> None:
    g = GitRepo(repo)
    sha = g.resolve("main")
    assert len(sha) == 40
    with pytest.raises(UsageError, match="unknown git ref 'nope'"):
        g.resolve("nope")
    with pytest.raises(UsageError, match="invalid git ref"):
        g.resolve("--all")


def test_git_missing(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(repo))
    with pytest.raises(UsageError, match="git is not installed"):
        GitRepo(repo).resolve("main")


def test_show_reads_only_files_and_asks_their_size_first(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    g = GitRepo(repo)
    assert g.show("HEAD", "sub") is None  # a directory: `git show` printed its listing
    assert g.show("HEAD", "bad\nname") is None
    monkeypatch.setattr("gatekeeper.git.MAX_BLOB_BYTES", 14)  # a.txt's size
    assert g.show("HEAD", "a.txt") == b"one\ntwo\nthree\n"
    monkeypatch.setattr("gatekeeper.git.MAX_BLOB_BYTES", 13)
    with pytest.raises(InputError, match=r"a.txt: larger than 13 bytes at HEAD; not read"):
        g.show("HEAD", "a.txt")
