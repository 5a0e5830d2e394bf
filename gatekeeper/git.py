"""Read-only access to the scanned repository's git history, through the ``git`` command.

PR mode reads files *at the base ref* straight from the object store (``git show REF:PATH``),
without a checkout, and asks which lines the change touched.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from gatekeeper.errors import InputError, UsageError

if TYPE_CHECKING:
    import subprocess  # nosec B404  # git runs with fixed argument lists, never through a shell

#: Files read at a base ref (lockfiles, requirements) are far below this.
MAX_BLOB_BYTES = 64 << 20
_HUNK = re.compile(r"^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@")


def _shallow(ref: str, what: str) -> UsageError:
    """PR mode in a clone without the history it needs: say what to fetch. ``--deepen``, not
    ``--depth``: the merge base is behind HEAD's shallow boundary as well as the base's."""
    branch = ref.removeprefix("origin/")
    target = f"+{branch}:refs/remotes/origin/{branch}" if branch != ref else ref
    return UsageError(
        f"{what}: PR mode needs the base and the history back to its merge base with HEAD",
        hint=f"fetch them, e.g. `git fetch --no-tags --deepen=1000 origin {target}`, or check "
        "out with `fetch-depth: 0` (actions/checkout)",
    )


@dataclass(frozen=True, slots=True)
class Change:
    """A tracked file that differs between a base commit and the working tree."""

    #: git's letter: ``A`` added, ``D`` deleted, ``M`` modified, ``R`` renamed, ``T`` type.
    status: str
    #: Where the file is now (a deleted file: where it was).
    path: str
    #: Where it was at the base (a renamed file's old path); None if it was not there.
    old_path: str | None
    #: Its mode and blob at the base (``000000`` and zeros if it was not there).
    old_mode: str
    old_blob: str


class GitRepo:
    def __init__(self, root: Path) -> None:
        self.root = root

    @cached_property
    def _git(self) -> str:
        import shutil  # here, not at the top: most runs never call git

        exe = shutil.which("git")
        if exe is None:
            raise UsageError("git is not installed", hint="install git to use --base")
        return exe

    def _run(
        self, *args: str, check: bool = True, stdin: bytes | None = None
    ) -> subprocess.CompletedProcess[bytes]:
        import subprocess  # nosec B404  # fixed argument lists, never through a shell

        return subprocess.run(  # noqa: S603  # nosec B603  # fixed git argv, no shell
            [self._git, "-C", str(self.root), *args],
            capture_output=True,
            check=check,
            input=stdin,
        )

    def resolve(self, ref: str) -> str:
        """The commit ``ref`` names, or a UsageError that says how to get it."""
        if ref.startswith("-"):
            raise UsageError(f"invalid git ref {ref!r}")
        proc = self._run("rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}", check=False)
        if proc.returncode != 0:
            if self.is_shallow():
                raise _shallow(ref, f"{ref!r} is not in this shallow clone of {self.root}")
            raise UsageError(
                f"unknown git ref {ref!r} in {self.root}",
                hint="fetch it first, e.g. `git fetch origin main` (checkout depth 0 in Actions)",
            )
        return proc.stdout.decode().strip()

    def is_shallow(self) -> bool:
        """Whether the clone has only part of the history (``git clone --depth``)."""
        proc = self._run("rev-parse", "--is-shallow-repository", check=False)
        return proc.stdout.strip() == b"true"

    def resolve_base(self, ref: str) -> str:
        """The commit of PR mode's base ``ref``, checked usable before any gate runs.

        In a shallow clone the base, and the merge base of it and HEAD, must both be there:
        a run that cannot see them would compare against the wrong history, so it is a
        UsageError (exit 2) that says what to fetch, never a silent full run.
        """
        commit = self.resolve(ref)
        if self.is_shallow() and self._run("merge-base", commit, "HEAD", check=False).returncode:
            raise _shallow(ref, f"the merge base of {ref!r} and HEAD is not in this shallow clone")
        return commit

    def show(self, ref: str, path: str) -> bytes | None:
        """The content of the file ``path`` (relative to the root) at ``ref``.

        None if there was no file there (nothing, or a directory or submodule). A file larger
        than :data:`MAX_BLOB_BYTES` is an InputError: its size is asked for before it is read.
        """
        commit = self.resolve(ref)
        if "\n" in path:  # cannot be named on cat-file's line protocol
            return None
        query = f"{commit}:./{path}\n".encode()
        fields = self._run(
            "cat-file", "--batch-check=%(objecttype) %(objectsize) %(objectname)", stdin=query
        ).stdout.split()
        if len(fields) != 3 or fields[0] != b"blob":  # "<query> missing", a tree, a commit
            return None
        if int(fields[1]) > MAX_BLOB_BYTES:
            raise InputError(f"larger than {MAX_BLOB_BYTES} bytes at {ref}; not read", path=path)
        return self._run("cat-file", "blob", fields[2].decode()).stdout

    def changed_lines(self, ref: str) -> dict[str, frozenset[int]]:
        """Lines added or modified in the working tree since ``ref``, by path relative to root."""
        commit = self.resolve(ref)
        proc = self._run("diff", "--unified=0", "--no-color", "--no-ext-diff", "--relative", commit)
        changed: dict[str, set[int]] = {}
        current: set[int] | None = None
        for raw in proc.stdout.decode(errors="replace").splitlines():
            if raw.startswith("+++ "):
                target = raw[4:]
                current = None if target == "/dev/null" else changed.setdefault(target[2:], set())
            elif current is not None and (match := _HUNK.match(raw)):
                start = int(match.group(1))
                count = int(match.group(2)) if match.group(2) is not None else 1
                current.update(range(start, start + count))
        return {path: frozenset(lines) for path, lines in changed.items() if lines}

    def changed_files(self, ref: str) -> list[str]:
        """Files in the working tree that differ from ``ref`` or are new (untracked, not
        ignored), relative to the root; deleted files are not listed."""
        commit = self.resolve(ref)
        diff = self._run(
            "diff", "--name-only", "--no-renames", "--diff-filter=d", "--relative", "-z", commit
        ).stdout
        untracked = self._run("ls-files", "-z", "--others", "--exclude-standard").stdout
        names = {
            n.decode(errors="surrogateescape")
            for n in (*diff.split(b"\0"), *untracked.split(b"\0"))
        }
        return sorted(filter(None, names))

    def changes(self, ref: str) -> list[Change]:
        """Tracked files that differ between ``ref`` and the working tree, renames detected
        (``git diff --raw -M``), relative to the root; nothing is checked out."""
        commit = self.resolve(ref)
        raw = self._run(
            "diff", "--raw", "-z", "-M", "--no-abbrev", "--relative", "--no-ext-diff", commit
        ).stdout
        fields = [f.decode(errors="surrogateescape") for f in raw.split(b"\0")]
        changes = []
        index = 0
        while index + 1 < len(fields) and fields[index].startswith(":"):
            old_mode, _, old_blob, _, status = fields[index][1:].split(" ")
            letter = status[:1]
            if letter in ("R", "C"):
                old, path = fields[index + 1], fields[index + 2]
                index += 3
            else:
                old = path = fields[index + 1]
                index += 2
            changes.append(Change(letter, path, None if letter == "A" else old, old_mode, old_blob))
        return changes

    def blobs(self, ids: list[str], limit: int = MAX_BLOB_BYTES) -> dict[str, bytes]:
        """The content of each blob in ``ids`` of at most ``limit`` bytes, read in one
        ``git cat-file --batch`` (sizes asked first); larger, missing and non-blob objects are
        left out."""
        if not ids:
            return {}
        query = "".join(f"{i}\n" for i in ids).encode()
        check = self._run(
            "cat-file", "--batch-check=%(objectname) %(objecttype) %(objectsize)", stdin=query
        ).stdout
        wanted = []
        for line in check.decode().splitlines():
            parts = line.split(" ")
            if len(parts) == 3 and parts[1] == "blob" and int(parts[2]) <= limit:
                wanted.append(parts[0])
        if not wanted:
            return {}
        out = self._run("cat-file", "--batch", stdin="".join(f"{i}\n" for i in wanted).encode())
        data, contents, at = out.stdout, {}, 0
        for blob in wanted:
            end = data.index(b"\n", at)
            size = int(data[at:end].split(b" ")[2])
            contents[blob] = data[end + 1 : end + 1 + size]
            at = end + 1 + size + 1  # the content, then a newline
        return contents

    def is_ancestor(self, commit: str, ref: str) -> bool:
        """Whether ``commit`` is ``ref``'s commit or one of its ancestors."""
        if commit.startswith("-"):
            return False
        return self._run("merge-base", "--is-ancestor", commit, ref, check=False).returncode == 0

    def git_path(self, name: str) -> Path:
        """Where git keeps ``name`` (``hooks`` honours ``core.hooksPath``), made absolute."""
        out = self._run("rev-parse", "--git-path", name, check=False)
        if out.returncode != 0:
            raise UsageError(f"{self.root} is not a git repository")
        return self.root / out.stdout.decode().rstrip("\n")

    def merge_base(self, commit: str, other: str) -> str | None:
        """The merge base of two commits, or None (unknown ref, unrelated histories)."""
        proc = self._run("merge-base", commit, other, check=False)
        if proc.returncode != 0:
            return None
        return proc.stdout.decode().strip() or None

    def state(self, *paths: str) -> bytes:
        """What the working tree holds, cheaply: the index's object IDs (``ls-files -s``), the
        unstaged changes (``diff``), and the untracked, unignored files with their contents;
        limited to ``paths`` (literal pathspecs: files, or directories and all below) if given.

        Two runs see equal bytes only when every file in scope has the same content and mode,
        without hashing the tree. A symlink in scope may point anywhere: then the whole tree's
        state is returned. Each answer is read once per run (the gates share them).
        """
        if paths not in self._states:
            state, linked = self._read_state(paths)
            self._states[paths] = self.state() if linked and paths else state
        return self._states[paths]

    @cached_property
    def _states(self) -> dict[tuple[str, ...], bytes]:
        return {}

    def _read_state(self, paths: tuple[str, ...]) -> tuple[bytes, bool]:
        from gatekeeper.fsutil import read_bounded

        spec = ("--", *paths) if paths else ()
        literal = "--literal-pathspecs"
        index = self._run(literal, "ls-files", "-s", "-z", *spec).stdout
        unstaged = self._run(literal, "diff", "--binary", "--no-color", "--no-ext-diff", *spec)
        untracked = self._run(
            literal, "ls-files", "-z", "--others", "--exclude-standard", *spec
        ).stdout
        linked = any(entry.startswith(b"120000 ") for entry in index.split(b"\0"))
        parts = [index, b"\0diff\0", unstaged.stdout, b"\0untracked\0"]
        for name in sorted(filter(None, untracked.split(b"\0"))):
            path = self.root / name.decode(errors="surrogateescape")
            linked = linked or path.is_symlink()
            try:
                content = read_bounded(path, MAX_BLOB_BYTES)
            except OSError as exc:  # a dangling link, a huge or unreadable file: name and why
                content = f"unreadable: {exc.strerror}".encode()
            parts += [name, b"\0", str(len(content)).encode(), b"\0", content]
        return b"".join(parts), linked

    def dirty(self, *paths: str) -> list[str] | None:
        """``git status --porcelain`` lines for ``paths`` (modified, staged or untracked
        files; ignored ones are not listed); None when git fails."""
        done = self._run(
            "status", "--porcelain", "--untracked-files=normal", "--", *paths, check=False
        )
        if done.returncode != 0:
            return None
        return [line for line in done.stdout.decode("utf-8", "replace").splitlines() if line]

    def tracked_files(self) -> list[str] | None:
        """Every path git tracks (``ls-files``), relative to the root; None outside a git
        repository."""
        proc = self._run("ls-files", "-z", check=False)
        if proc.returncode != 0:
            return None
        return [name.decode(errors="surrogateescape") for name in proc.stdout.split(b"\0") if name]

    def ignored(self, paths: list[str], work_tree: Path | None = None) -> set[str]:
        """Which of ``paths`` (that need not exist) the repository's ignore rules ignore: the
        ``.gitignore`` files of the working tree (or of ``work_tree``, another directory
        holding them), ``info/exclude`` and ``core.excludesFile``."""
        query = b"".join(p.encode() + b"\0" for p in paths)
        other = ("--work-tree", str(work_tree)) if work_tree is not None else ()
        proc = self._run(
            *other, "check-ignore", "--no-index", "--stdin", "-z", stdin=query, check=False
        )
        if proc.returncode not in (0, 1):  # 1: none of them is ignored
            raise UsageError(f"{self.root}: git check-ignore failed")
        return {name.decode(errors="surrogateescape") for name in proc.stdout.split(b"\0") if name}

    def log_patches(self, max_commits: int) -> subprocess.Popen[bytes]:
        """``git log -p`` of at most ``max_commits`` commits reachable from HEAD, oldest first,
        streamed: each commit starts with a line ``\\0<sha>``; additions only (``-U0``)."""
        import subprocess  # nosec B404  # fixed argument list, never through a shell

        return subprocess.Popen(  # noqa: S603  # nosec B603  # fixed git argv, no shell
            [
                self._git,
                "-C",
                str(self.root),
                "log",
                "--reverse",
                f"--max-count={max_commits}",
                "-p",
                "-U0",
                "--no-color",
                "--no-ext-diff",
                "--no-renames",
                "--format=%x00%H",
                "HEAD",
                "--",
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
