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


@pytest.fixture
def upstream(tmp_path: Path) -> Path:
    """A repository whose ``main`` moved on after ``feature`` branched from it."""
    root = init_repo(tmp_path / "upstream")
    (root / "a.txt").write_text("one\n")
    commit_all(root, "base")
    git(root, "checkout", "-q", "-b", "feature")
    (root / "b.txt").write_text("feature\n")
    commit_all(root, "feature")
    git(root, "checkout", "-q", "main")
    (root / "a.txt").write_text("one\ntwo\n")
    commit_all(root, "main moves on")
    return root


def _shallow_clone(upstream: Path, dest: Path, *extra: str) -> GitRepo:
    git(
        dest.parent,
        "clone",
        "-q",
        "--depth",
        "1",
        *extra,
        "-b",
        "feature",
        upstream.as_uri(),
        str(dest),
    )
    return GitRepo(dest)


def test_resolve_base_in_a_full_clone(repo: Path) -> None:
    g = GitRepo(repo)
    assert not g.is_shallow()
    assert g.resolve_base("main") == g.resolve("HEAD")


def test_shallow_clone_without_the_base_says_what_to_fetch(upstream: Path, tmp_path: Path) -> None:
    g = _shallow_clone(upstream, tmp_path / "clone")  # single branch: no origin/main
    assert g.is_shallow()
    with pytest.raises(UsageError) as caught:
        g.resolve_base("origin/main")
    text = str(caught.value)
    assert text.startswith("'origin/main' is not in this shallow clone of ")
    fetch = "git fetch --no-tags --deepen=1000 origin +main:refs/remotes/origin/main"
    assert fetch in text and "fetch-depth: 0" in text
    assert caught.value.exit_code == 2
    with pytest.raises(UsageError, match=r"`git fetch --no-tags --deepen=1000 origin main`"):
        g.resolve_base("main")
    git(g.root, "fetch", "-q", "--no-tags", "--deepen=1000", "origin", fetch.rsplit(" ", 1)[1])
    assert g.resolve_base("origin/main") == g.resolve("origin/main")


def test_shallow_clone_without_the_merge_base(upstream: Path, tmp_path: Path) -> None:
    g = _shallow_clone(upstream, tmp_path / "clone", "--no-single-branch")
    assert len(g.resolve("origin/main")) == 40  # the base is there, its history is not
    with pytest.raises(UsageError, match="merge base of 'origin/main' and HEAD is not in this"):
        g.resolve_base("origin/main")
    # --depth does not reach it (HEAD stays shallow); the --deepen the message suggests does
    git(g.root, "fetch", "-q", "--no-tags", "--depth=1000", "origin", "main")
    with pytest.raises(UsageError, match="merge base"):
        g.resolve_base("origin/main")
    git(g.root, "fetch", "-q", "--no-tags", "--deepen=1000", "origin", "main")
    assert g.resolve_base("origin/main") == g.resolve("origin/main")


def test_changes_against_a_base_with_renames(repo: Path) -> None:
    git(repo, "checkout", "-q", "-b", "feature")
    git(repo, "mv", "sub/gone.txt", "sub/moved.txt")
    (repo / "a.txt").write_text("one\ntwo\nthree\nfour\n")
    (repo / "new.txt").write_text("new\n")
    git(repo, "add", "new.txt")
    commit_all(repo, "feature")
    (repo / "new.txt").unlink()  # deleted in the working tree only: not there, not at main
    (repo / "b.txt").write_text("untracked\n")
    changes = {c.path: c for c in GitRepo(repo).changes("main")}
    assert sorted(changes) == ["a.txt", "sub/moved.txt"]
    moved = changes["sub/moved.txt"]
    assert (moved.status, moved.old_path, moved.old_mode) == ("R", "sub/gone.txt", "100644")
    assert changes["a.txt"].old_blob == git(repo, "rev-parse", "main:a.txt").strip()
    (repo / "a.txt").unlink()
    (repo / "c.txt").write_text("c\n")
    git(repo, "add", "c.txt")
    by_status = {c.status: c for c in GitRepo(repo).changes("main")}
    assert by_status["D"].path == "a.txt" and by_status["A"].old_path is None


def test_blobs_reads_many_in_one_batch_and_leaves_out_what_it_cannot(repo: Path) -> None:
    g = GitRepo(repo)
    a, tree = (git(repo, "rev-parse", spec).strip() for spec in ("main:a.txt", "main:sub"))
    gone = git(repo, "rev-parse", "main:sub/gone.txt").strip()
    assert g.blobs([]) == {}
    assert g.blobs([a, tree, "0" * 40, gone]) == {a: b"one\ntwo\nthree\n", gone: b"bye\n"}
    assert g.blobs([a, gone], limit=4) == {gone: b"bye\n"}
    assert g.blobs([a], limit=3) == {}


def test_is_ancestor(repo: Path) -> None:
    first = git(repo, "rev-parse", "HEAD").strip()
    (repo / "a.txt").write_text("x\n")
    commit_all(repo)
    g = GitRepo(repo)
    assert g.is_ancestor(first, "HEAD") and not g.is_ancestor("HEAD", first)
    assert not g.is_ancestor("--all", "HEAD")
