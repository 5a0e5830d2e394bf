"""An organisation's repositories and, for each Python one, the files the row is made of:
read through github3.py (its session carries the network layer's retry, deadline and
rate-limit handling), concurrently, with conditional requests.

Per repository: the root listing (a 404 there is an empty repository), then only what it
shows: ``.github`` (CODEOWNERS, ``workflows/``), ``requirements/``, ``k8s/``, ``deploy/`` and
``docs/CODEOWNERS``, and the files that say what the service runs.
"""

from __future__ import annotations

import base64
import binascii
import fnmatch
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from typing import Any, TextIO
from urllib.parse import quote

from gatekeeper.github.client import translated

#: Threads fetching repositories at once: enough to hide latency, few enough for GitHub's
#: secondary rate limits (which discourage many concurrent requests).
WORKERS = 8
#: Root files read for the row (besides requirements files and pylocks, matched by pattern).
ROOT_FILES = frozenset(
    {
        "pyproject.toml",
        ".python-version",
        "runtime.txt",
        "Dockerfile",
        "tox.ini",
        "noxfile.py",
        "uv.lock",
        "poetry.lock",
        "CODEOWNERS",
    }
)
#: Any of these at the root makes a repository a Python project.
PYTHON_MARKERS = frozenset(
    {"pyproject.toml", "setup.py", "setup.cfg", "Pipfile", "uv.lock", "poetry.lock"}
)
#: Directories whose YAML files may be Kubernetes manifests.
MANIFEST_DIRS = ("k8s", "deploy")
#: Where GitHub looks for CODEOWNERS, in its order (the first found is used).
CODEOWNERS = (".github/CODEOWNERS", "CODEOWNERS", "docs/CODEOWNERS")
_YAML = ("*.yml", "*.yaml")


@dataclass
class RepoFiles:
    """What was found in one repository: every file path listed, and the texts read."""

    name: str
    empty: bool = False
    paths: set[str] = field(default_factory=set)
    texts: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Listing:
    """The organisation's repositories: those to read, and how many were archived."""

    repos: tuple[tuple[str, str], ...]  # (name, API URL)
    archived: int


def list_repositories(gh: Any, org: str, api_url: str) -> Listing:
    """Every repository of ``org`` (paginated by github3.py), archived ones counted apart."""
    with translated(f"listing the repositories of {org}", api_url):
        organisation = gh.organization(org)
        found = [(r.name, r.url, bool(r.archived)) for r in organisation.repositories(type="all")]
    found.sort(key=lambda r: r[0].lower())
    repos = tuple((name, url) for name, url, archived in found if not archived)
    return Listing(repos, len(found) - len(repos))


class Contents:
    """Conditional GETs of the contents API on github3.py's session, through the cache."""

    def __init__(self, gh: Any, cache: Any, api_url: str) -> None:
        self.session = gh.session
        self.cache = cache
        self.api_url = api_url

    def get(self, repo_url: str, path: str) -> Any:
        """The contents API's JSON for ``path`` ("" for the root); None on a 404."""
        from github3 import exceptions as gx

        from gatekeeper.errors import BackendUnavailable
        from gatekeeper.json_input import load_json

        url = f"{repo_url}/contents/{quote(path)}"
        headers = {"Accept": "application/vnd.github+json"}
        etag = self.cache.etag(url)
        if etag is not None:
            headers["If-None-Match"] = etag
        with translated(f"reading {path or 'the root'} of a repository", self.api_url):
            response = self.session.get(url, headers=headers)
            status = response.status_code
            if status == 404:
                return None
            if status == 304 and etag is not None:
                body = self.cache.hit(url)
            elif status == 200:
                body = response.text
                if response.headers.get("ETag"):
                    self.cache.store(url, response.headers["ETag"], body)
            elif status >= 400:
                raise gx.error_for(response)
            else:
                raise gx.UnexpectedResponse(response)
        return load_json(body, source=url, error=BackendUnavailable)


def _entries(listing: Any) -> list[tuple[str, str]]:
    """(path, type) of a directory listing (a file's JSON is not a list: nothing)."""
    if not isinstance(listing, list):
        return []
    return [
        (str(e["path"]), str(e.get("type", "")))
        for e in listing
        if isinstance(e, dict) and isinstance(e.get("path"), str)
    ]


def _text(data: Any, path: str, notes: list[str]) -> str | None:
    """A file's text from its contents JSON (base64); a note when it has none (over 1 MB)."""
    if not isinstance(data, dict) or data.get("encoding") != "base64":
        notes.append(f"{path}: not readable through the contents API (over 1 MB?)")
        return None
    try:
        return base64.b64decode(str(data.get("content", ""))).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        notes.append(f"{path}: not UTF-8 text")
        return None


def is_python(paths: Iterable[str]) -> bool:
    names = set(paths)
    return bool(names & PYTHON_MARKERS) or any(
        fnmatch.fnmatch(p, "*requirements*.txt") or p == "requirements" for p in names
    )


def wanted(path: str) -> bool:
    """Whether the row needs the text of ``path`` (CODEOWNERS is chosen apart)."""
    head, _, name = path.rpartition("/")
    if not head:
        return name in ROOT_FILES - {"CODEOWNERS"} or any(
            fnmatch.fnmatch(name, p) for p in ("*requirements*.txt", "pylock.toml", "pylock.*.toml")
        )
    if head == "requirements":
        return name.endswith(".txt")
    if head == ".github/workflows" or head in MANIFEST_DIRS:
        return any(fnmatch.fnmatch(name, p) for p in _YAML)
    return False


def fetch_repository(contents: Contents, name: str, url: str) -> RepoFiles | None:
    """The files of one repository; None when it holds no Python project."""
    result = RepoFiles(name)
    root = contents.get(url, "")
    if root is None:
        result.empty = True
        return result
    entries = _entries(root)
    dirs = {p for p, kind in entries if kind == "dir"}
    result.paths = {p for p, kind in entries if kind == "file"}
    if not is_python(result.paths | dirs):
        return None
    for directory in (".github", ".github/workflows", "requirements", *MANIFEST_DIRS):
        if directory in dirs:
            listed = _entries(contents.get(url, directory))
            result.paths |= {p for p, kind in listed if kind == "file"}
            dirs |= {p for p, kind in listed if kind == "dir"}
    owners = next((p for p in CODEOWNERS if p in result.paths), None)
    if owners is None and "docs" in dirs:
        owners = CODEOWNERS[-1]
    for path in sorted(p for p in result.paths if wanted(p)) + ([owners] if owners else []):
        data = contents.get(url, path)
        if data is None:
            continue  # docs/CODEOWNERS asked for blindly, or removed since the listing
        result.paths.add(path)
        text = _text(data, path, result.notes)
        if text is not None:
            result.texts[path] = text
    return result


class Progress:
    """``\\r``-counter on a terminal's stderr; nothing when it is not a terminal."""

    def __init__(self, total: int, stream: TextIO | None) -> None:
        self.total = total
        self.done = 0
        self.stream = stream if stream is not None and stream.isatty() else None
        self._lock = threading.Lock()

    def tick(self) -> None:
        with self._lock:
            self.done += 1
            if self.stream is not None:
                self.stream.write(f"\rinventory: {self.done}/{self.total} repositories")
                self.stream.flush()

    def close(self) -> None:
        if self.stream is not None and self.done:
            self.stream.write("\n")
            self.stream.flush()


def fetch_all(
    fetch: Callable[[str, str], RepoFiles | None],
    repos: Iterable[tuple[str, str]],
    progress: Progress,
    workers: int = WORKERS,
) -> list[RepoFiles | None]:
    """``fetch(name, url)`` for each repository on a small thread pool, in the given order.
    The first error cancels what has not started and is raised."""
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="inventory") as pool:
        futures = []
        for name, url in repos:
            future = pool.submit(fetch, name, url)
            future.add_done_callback(lambda _: progress.tick())
            futures.append(future)
        done, _ = wait(futures, return_when=FIRST_EXCEPTION)
        failed = next((f for f in futures if f in done and f.exception() is not None), None)
        if failed is not None:
            for future in futures:
                future.cancel()
            raise failed.exception()  # type: ignore[misc]
    progress.close()
    return [f.result() for f in futures]
