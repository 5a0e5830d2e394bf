"""A fake GitHub organisation of 110 repositories with varied layouts, on the fake GitHub
server: paginated listings, the contents API with ETags (304 on ``If-None-Match``), and a
primary rate limit that trips once mid-run."""

from __future__ import annotations

import base64
import hashlib
import json
import time
from collections.abc import Callable
from typing import Any

from tests.github.fake_server import NOW, FakeGitHub, repository, user

ORG = "corp"
REPOS = 110

POETRY_PYPROJECT = """\
[tool.poetry]
name = "svc"
version = "1.0.0"

[tool.poetry.dependencies]
python = "^3.9"
flask = "^2.0"
corp-auth = "^1.0"
"""
POETRY_LOCK = """\
[[package]]
name = "flask"
version = "2.3.3"
description = ""
optional = false
python-versions = ">=3.8"
files = []

[[package]]
name = "corp-auth"
version = "1.0.0"
description = ""
optional = false
python-versions = ">=3.8"
files = []

[metadata]
lock-version = "2.0"
python-versions = "^3.9"
content-hash = "0"
"""
UV_PYPROJECT = """\
[project]
name = "svc"
version = "0.1.0"
requires-python = ">=3.12"
dependencies = ["fastapi>=0.110", "uvicorn", "corp-config"]
"""
UV_LOCK = """\
version = 1
requires-python = ">=3.12"

[[package]]
name = "svc"
version = "0.1.0"
source = { editable = "." }
dependencies = [{ name = "fastapi" }, { name = "uvicorn" }, { name = "corp-config" }]

[[package]]
name = "fastapi"
version = "0.115.0"
source = { registry = "https://pypi.org/simple" }

[[package]]
name = "uvicorn"
version = "0.30.1"
source = { registry = "https://pypi.org/simple" }

[[package]]
name = "corp-config"
version = "2.1.0"
source = { registry = "https://devpi.internal/simple" }
"""
K8S = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: svc\n"
GATEKEEPER_WORKFLOW = """\
on: [push]
jobs:
  gate:
    runs-on: ubuntu-latest
    steps:
      - uses: corp/gatekeeper@v1
"""
GATEKEEPER_COMMAND = """\
on: [push]
jobs:
  gate:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/setup-python@v5
        with:
          python-version: "3.11"
      - run: gatekeeper check .
"""
PLAIN_WORKFLOW = """\
on: [push]
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - run: pytest
"""


def layout(index: int) -> dict[str, str] | None:
    """The files of repository ``index`` (None: empty); its kind is ``index % 10``."""
    kind = index % 10
    team = f"@corp/team-{index % 3}"
    if kind == 0:  # poetry, .github/CODEOWNERS, Dockerfile on an end-of-life Python
        return {
            "pyproject.toml": POETRY_PYPROJECT,
            "poetry.lock": POETRY_LOCK,
            ".github/CODEOWNERS": f"# owners\n*.md @corp/docs\n* {team}\n",
            "Dockerfile": "FROM python:3.9-slim\nCMD gunicorn app:app\n",
            ".github/workflows/ci.yml": PLAIN_WORKFLOW,
        }
    if kind == 1:  # uv, root CODEOWNERS, Kubernetes, the gatekeeper action
        return {
            "pyproject.toml": UV_PYPROJECT,
            "uv.lock": UV_LOCK,
            "CODEOWNERS": f"* {team}\n",
            "k8s/deployment.yaml": K8S,
            "k8s/README.md": "manifests\n",
            ".github/workflows/gate.yml": GATEKEEPER_WORKFLOW,
        }
    if kind == 2:  # requirements, docs/CODEOWNERS, Procfile, a current Python
        return {
            "requirements.txt": "flask==3.0.0\ngunicorn==22.0.0\ncorp-auth==1.0.0\n",
            "dev-requirements.txt": "pytest==8.0.0\n",
            ".python-version": "3.14\n",
            "Procfile": "web: gunicorn app:app\n",
            "docs/CODEOWNERS": f"* {team} @corp/sre\n",
        }
    if kind == 3:  # no Python
        return {"package.json": "{}\n", "README.md": "a node service\n"}
    if kind == 5:  # empty
        return None
    if kind == 6:  # requirements/ directory, serverless, gatekeeper check in CI
        return {
            "requirements/base.txt": "django==4.2.1\ncorp-auth==0.9.0\n",
            "serverless.yml": "service: svc\n",
            ".github/workflows/ci.yaml": GATEKEEPER_COMMAND,
            "deploy/values.yaml": "replicas: 2\n",
        }
    if kind == 7:  # a broken pyproject.toml: a note, the other columns still filled
        return {
            "pyproject.toml": "[project\nname = 'x'\n",
            "requirements.txt": "starlette==0.37.2\nhypercorn==0.17.0\n",
            "Dockerfile.prod": "FROM python:3.13\n",
        }
    if kind == 8:  # a pre-release pinned in production
        return {".python-version": "3.15.0rc1\n", "requirements.txt": "django==5.0\n"}
    return {"requirements.txt": "requests==2.31.0\n"}  # 4 (archived) and 9: no version


def name_of(index: int) -> str:
    return f"svc-{index:03d}"


class FakeOrg(FakeGitHub):
    """The organisation :data:`ORG` on top of the fake GitHub."""

    def __init__(self, wall: Callable[[], float] = time.time) -> None:
        super().__init__()
        self.wall = wall
        self.repos: dict[str, dict[str, str] | None] = {name_of(i): layout(i) for i in range(REPOS)}
        self.archived = {name_of(i) for i in range(REPOS) if i % 10 == 4}
        #: After this many contents requests, the next ``trips`` ones hit the rate limit.
        self.trip_after: int | None = None
        self.trips = 3
        self._contents = 0

    def answer(
        self, method: str, path: str, query: str, body: Any
    ) -> tuple[int, dict[str, str], Any]:
        scripted = self.scripted_answer(method, path)
        if scripted is not None:
            return scripted
        parts = path.strip("/").split("/")
        match parts:
            case ["orgs", org]:
                return 200, {}, self._org(org)
            case ["orgs", org, "repos"]:
                return self._page(path, query, [self._repo(org, n) for n in self.repos])
            case ["repos", owner, name, "contents", *rest]:
                return self._contents_answer(owner, name, "/".join(rest))
        return super().answer(method, path, query, body)

    def _org(self, org: str) -> dict[str, Any]:
        data = user(self.url, org, "Organization", 2)
        data.update(
            url=f"{self.url}/orgs/{org}",
            repos_url=f"{self.url}/orgs/{org}/repos",
            hooks_url=f"{self.url}/orgs/{org}/hooks",
            issues_url=f"{self.url}/orgs/{org}/issues",
            members_url=f"{self.url}/orgs/{org}/members{{/member}}",
            public_members_url=f"{self.url}/orgs/{org}/public_members{{/member}}",
            description="",
            name=org,
            company=None,
            blog="",
            location=None,
            email=None,
            is_verified=False,
            has_organization_projects=True,
            has_repository_projects=True,
            public_repos=len(self.repos),
            public_gists=0,
            followers=0,
            following=0,
            html_url=f"https://github.example/{org}",
            created_at=NOW,
            updated_at=NOW,
            type="Organization",
        )
        return data

    def _repo(self, org: str, name: str) -> dict[str, Any]:
        data = repository(self.url, org, name)
        data.update(archived=name in self.archived, size=0 if self.repos[name] is None else 9)
        return data

    def _contents_answer(self, owner: str, name: str, path: str) -> tuple[int, dict[str, str], Any]:
        with self.lock:
            self._contents += 1
            if self.trip_after is not None and self._contents > self.trip_after and self.trips:
                self.trips -= 1
                reset = str(int(self.wall()) + 1)
                headers = {"x-ratelimit-remaining": "0", "x-ratelimit-reset": reset}
                return 403, headers, {"message": "API rate limit exceeded"}
        files = self.repos.get(name)
        if files is None:
            return 404, {}, {"message": "This repository is empty."}
        answer = self._listing(owner, name, files, path)
        if answer is None:
            return 404, {}, {"message": "Not Found"}
        etag = '"' + hashlib.sha256(json.dumps(answer).encode()).hexdigest()[:20] + '"'
        if self.current.headers.get("If-None-Match") == etag:
            return 304, {"ETag": etag}, None
        return 200, {"ETag": etag}, answer

    def _listing(self, owner: str, name: str, files: dict[str, str], path: str) -> Any:
        base = f"{self.url}/repos/{owner}/{name}/contents"
        if path in files:
            text = files[path]
            return {
                "type": "file",
                "encoding": "base64",
                "size": len(text),
                "name": path.rpartition("/")[2],
                "path": path,
                "content": base64.b64encode(text.encode()).decode(),
                "sha": hashlib.sha1(text.encode(), usedforsecurity=False).hexdigest(),  # git's
                "url": f"{base}/{path}",
            }
        prefix = f"{path}/" if path else ""
        entries: dict[str, str] = {}
        for file in files:
            if not file.startswith(prefix):
                continue
            head, sep, _ = file[len(prefix) :].partition("/")
            entries[prefix + head] = "dir" if sep else "file"
        if not entries:
            return None
        return [
            {"type": kind, "name": p.rpartition("/")[2], "path": p, "url": f"{base}/{p}"}
            for p, kind in sorted(entries.items())
        ]
