"""A fake GitHub REST API on loopback: the endpoints gatekeeper calls, with GitHub's documented
response shapes, a request log, and scripted failures.

Start it with :func:`fake_github` (a ``ThreadingHTTPServer`` on 127.0.0.1 in a thread). Every
request is logged (method, path, query, JSON body, whether an Authorization header came); the
comments of each issue are kept, so a second run sees what the first one wrote. ``fail()``
queues answers for requests matching a method and a path pattern, before the normal answer.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

NOW = "2026-12-01T10:00:00Z"
#: The installation token the fake hands to a GitHub App.
INSTALLATION_TOKEN = "ghs_" + "I" * 36  # noqa: S105  # a fake


@dataclass(frozen=True)
class Logged:
    method: str
    path: str
    query: str
    body: Any
    authorized: bool
    authorization: str = field(repr=False, default="")


@dataclass
class Scripted:
    method: str
    pattern: re.Pattern[str]
    status: int
    headers: dict[str, str]
    body: Any
    times: int


def user(base: str, login: str, kind: str = "User", uid: int = 1) -> dict[str, Any]:
    url = f"{base}/users/{login}"
    return {
        "login": login,
        "id": uid,
        "node_id": f"U_{uid}",
        "avatar_url": f"https://avatars.example/u/{uid}",
        "gravatar_id": "",
        "url": url,
        "html_url": f"https://github.example/{login}",
        "followers_url": f"{url}/followers",
        "following_url": f"{url}/following{{/other_user}}",
        "gists_url": f"{url}/gists{{/gist_id}}",
        "starred_url": f"{url}/starred{{/owner}}{{/repo}}",
        "subscriptions_url": f"{url}/subscriptions",
        "organizations_url": f"{url}/orgs",
        "repos_url": f"{url}/repos",
        "events_url": f"{url}/events{{/privacy}}",
        "received_events_url": f"{url}/received_events",
        "type": kind,
        "site_admin": False,
    }


def authenticated_user(base: str, login: str) -> dict[str, Any]:
    """``GET /user``: GitHub's "private user" shape."""
    data = user(base, login, "User", 5)
    data.update(
        name="Deploy User",
        company=None,
        blog="",
        location=None,
        email=None,
        hireable=None,
        bio=None,
        public_repos=1,
        public_gists=0,
        followers=0,
        following=0,
        created_at=NOW,
        updated_at=NOW,
        private_gists=0,
        total_private_repos=0,
        owned_private_repos=0,
        disk_usage=0,
        collaborators=0,
        two_factor_authentication=True,
        plan={"name": "free", "space": 976562499, "private_repos": 10000, "collaborators": 0},
    )
    return data


_REPO_TEMPLATES = {
    "archive_url": "/{archive_format}{/ref}",
    "assignees_url": "/assignees{/user}",
    "blobs_url": "/git/blobs{/sha}",
    "branches_url": "/branches{/branch}",
    "collaborators_url": "/collaborators{/collaborator}",
    "comments_url": "/comments{/number}",
    "commits_url": "/commits{/sha}",
    "compare_url": "/compare/{base}...{head}",
    "contents_url": "/contents/{+path}",
    "contributors_url": "/contributors",
    "deployments_url": "/deployments",
    "downloads_url": "/downloads",
    "events_url": "/events",
    "forks_url": "/forks",
    "git_commits_url": "/git/commits{/sha}",
    "git_refs_url": "/git/refs{/sha}",
    "git_tags_url": "/git/tags{/sha}",
    "hooks_url": "/hooks",
    "issue_comment_url": "/issues/comments{/number}",
    "issue_events_url": "/issues/events{/number}",
    "issues_url": "/issues{/number}",
    "keys_url": "/keys{/key_id}",
    "labels_url": "/labels{/name}",
    "languages_url": "/languages",
    "merges_url": "/merges",
    "milestones_url": "/milestones{/number}",
    "notifications_url": "/notifications{?since,all,participating}",
    "pulls_url": "/pulls{/number}",
    "releases_url": "/releases{/id}",
    "stargazers_url": "/stargazers",
    "statuses_url": "/statuses/{sha}",
    "subscribers_url": "/subscribers",
    "subscription_url": "/subscription",
    "tags_url": "/tags",
    "teams_url": "/teams",
    "trees_url": "/git/trees{/sha}",
}


def repository(base: str, owner: str, name: str) -> dict[str, Any]:
    """``GET /repos/{owner}/{repo}``: GitHub's "full repository" shape."""
    url = f"{base}/repos/{owner}/{name}"
    data: dict[str, Any] = {k: url + v for k, v in _REPO_TEMPLATES.items()}
    data.update(
        id=1296269,
        node_id="R_1",
        name=name,
        full_name=f"{owner}/{name}",
        owner=user(base, owner, "Organization", 2),
        private=False,
        html_url=f"https://github.example/{owner}/{name}",
        description="a repository",
        fork=False,
        url=url,
        archived=False,
        clone_url=f"https://github.example/{owner}/{name}.git",
        git_url=f"git://github.example/{owner}/{name}.git",
        ssh_url=f"git@github.example:{owner}/{name}.git",
        svn_url=f"https://github.example/{owner}/{name}",
        mirror_url=None,
        homepage=None,
        language="Python",
        default_branch="main",
        forks_count=0,
        stargazers_count=0,
        watchers_count=0,
        subscribers_count=1,
        network_count=0,
        open_issues_count=1,
        size=100,
        has_issues=True,
        has_projects=True,
        has_wiki=False,
        has_pages=False,
        has_downloads=True,
        pushed_at=NOW,
        created_at=NOW,
        updated_at=NOW,
        permissions={"admin": False, "push": True, "pull": True},
        license=None,
    )
    return data


class FakeGitHub:
    """The server's state: the log, the comments, the scripted failures, the statuses."""

    def __init__(self) -> None:
        self.url = ""
        self.log: list[Logged] = []
        self.comments: dict[tuple[str, int], list[dict[str, Any]]] = {}
        self.scripted: list[Scripted] = []
        self.lock = threading.Lock()
        self.next_id = 1000
        #: The login ``GET /user`` answers (a personal token's user).
        self.token_user = "deploy-user"
        #: Accept only this Authorization header (None: any, or none, is accepted).
        self.required_auth: str | None = None
        #: The status of each answer, in the log's order (by request, as sent).
        self.statuses: list[tuple[str, int]] = []
        #: The request being answered, per handler thread (its ``headers``).
        self.current = threading.local()

    # ------------------------------------------------------------------ scripting
    def fail(
        self,
        method: str,
        path: str,
        status: int,
        *,
        headers: dict[str, str] | None = None,
        body: Any = None,
        times: int = 1,
    ) -> None:
        """Answer the next ``times`` requests ``method`` whose path matches the regular
        expression ``path`` with ``status`` (GitHub's error body unless ``body`` is given)."""
        shown = (
            body
            if body is not None
            else {
                "message": {
                    401: "Bad credentials",
                    403: "Resource not accessible by integration",
                    404: "Not Found",
                    422: "Validation Failed",
                }.get(status, "Server Error"),
                "documentation_url": "https://docs.github.com/rest",
            }
        )
        self.scripted.append(
            Scripted(method, re.compile(path), status, headers or {}, shown, times)
        )

    def add_comment(self, repo: str, number: int, body: str, login: str = "someone") -> int:
        return int(self._new_comment(repo, number, body, login)["id"])

    @property
    def author(self) -> str:
        """Who the last request's token posts as: the App's bot, the workflow's bot (``ghs_``)
        or a personal token's user."""
        auth = self.log[-1].authorization if self.log else ""
        if auth == f"token {INSTALLATION_TOKEN}":
            return "gatekeeper[bot]"
        return "github-actions[bot]" if auth.startswith("token ghs_") else self.token_user

    # ------------------------------------------------------------------ queries
    def requests(self, method: str | None = None, path: str | None = None) -> list[Logged]:
        return [
            r
            for r in self.log
            if (method is None or r.method == method)
            and (path is None or re.fullmatch(path, r.path))
        ]

    def writes(self) -> list[tuple[str, str]]:
        return [(r.method, r.path) for r in self.log if r.method != "GET"]

    # ------------------------------------------------------------------ answers
    def answer(
        self, method: str, path: str, query: str, body: Any
    ) -> tuple[int, dict[str, str], Any]:
        scripted = self.scripted_answer(method, path)
        if scripted is not None:
            return scripted
        status, headers, answer = self._route(method, path, body)
        if method == "GET" and isinstance(answer, list):
            return self._page(path, query, answer)
        return status, headers, answer

    def scripted_answer(self, method: str, path: str) -> tuple[int, dict[str, str], Any] | None:
        """The next scripted answer for the request, if one matches (see :meth:`fail`)."""
        with self.lock:
            for script in self.scripted:
                if script.times > 0 and script.method == method and script.pattern.fullmatch(path):
                    script.times -= 1
                    return script.status, script.headers, script.body
        return None

    def _page(self, path: str, query: str, items: list[Any]) -> tuple[int, dict[str, str], Any]:
        """One page of a list (``per_page`` at most 100, default 30), with GitHub's ``Link``."""
        params = dict(parse_qsl(query))
        per_page = min(int(params.get("per_page", 30)), 100)
        page = int(params.get("page", 1))
        chunk = items[(page - 1) * per_page : page * per_page]
        headers = {}
        if page * per_page < len(items):
            following = f"{self.url}{path}?per_page={per_page}&page={page + 1}"
            headers["Link"] = f'<{following}>; rel="next"'
        return 200, headers, chunk

    def _route(self, method: str, path: str, body: Any) -> tuple[int, dict[str, str], Any]:
        parts = path.strip("/").split("/")
        match (method, parts):
            case ("GET", ["user"]):
                return 200, {}, authenticated_user(self.url, self.token_user)
            case ("GET", ["repos", owner, name]):
                return 200, {}, repository(self.url, owner, name)
            case ("POST", ["repos", owner, name, "statuses", sha]):
                return 201, {}, self._status(owner, name, sha, body)
            case ("POST", ["repos", owner, name, "check-runs"]):
                return 201, {}, self._check_run(owner, name, body)
            case ("GET", ["repos", owner, name, "issues", number]):
                return 200, {}, self._issue(owner, name, int(number))
            case ("GET", ["repos", owner, name, "issues", number, "comments"]):
                return 200, {}, list(self.comments.get((f"{owner}/{name}", int(number)), []))
            case ("POST", ["repos", owner, name, "issues", number, "comments"]):
                return (
                    201,
                    {},
                    self._new_comment(f"{owner}/{name}", int(number), body["body"], self.author),
                )
            case ("PATCH", ["repos", owner, name, "issues", "comments", cid]):
                found = self._find_comment(f"{owner}/{name}", int(cid))
                if found is None:
                    return 404, {}, {"message": "Not Found"}
                found.update(body=body["body"], body_text=body["body"], updated_at=NOW)
                return 200, {}, found
            case ("POST", ["app", "installations", _, "access_tokens"]):
                return (
                    201,
                    {},
                    {
                        "token": INSTALLATION_TOKEN,
                        "expires_at": "2099-01-01T00:00:00Z",
                        "permissions": {"checks": "write", "pull_requests": "write"},
                        "repository_selection": "selected",
                    },
                )
        return 404, {}, {"message": "Not Found", "documentation_url": "https://docs.github.com"}

    def _status(self, owner: str, name: str, sha: str, body: Any) -> dict[str, Any]:
        self.next_id += 1
        return {
            "url": f"{self.url}/repos/{owner}/{name}/statuses/{sha}",
            "avatar_url": "https://avatars.example/u/2",
            "id": self.next_id,
            "node_id": f"S_{self.next_id}",
            "state": body["state"],
            "description": body.get("description"),
            "target_url": body.get("target_url"),
            "context": body.get("context", "default"),
            "created_at": NOW,
            "updated_at": NOW,
            "creator": user(self.url, "github-actions[bot]", "Bot", 41898282),
        }

    def _check_run(self, owner: str, name: str, body: Any) -> dict[str, Any]:
        self.next_id += 1
        url = f"{self.url}/repos/{owner}/{name}/check-runs/{self.next_id}"
        output = body.get("output") or {}
        return {
            "id": self.next_id,
            "head_sha": body["head_sha"],
            "node_id": f"CR_{self.next_id}",
            "external_id": body.get("external_id", ""),
            "url": url,
            "html_url": f"https://github.example/{owner}/{name}/runs/{self.next_id}",
            "details_url": body.get("details_url"),
            "status": body.get("status", "queued"),
            "conclusion": body.get("conclusion"),
            "started_at": NOW,
            "completed_at": NOW,
            "output": {
                "title": output.get("title"),
                "summary": output.get("summary"),
                "text": output.get("text"),
                "annotations_count": 0,
                "annotations_url": f"{url}/annotations",
            },
            "name": body["name"],
            "check_suite": {"id": 5},
            "app": {
                "id": 1,
                "slug": "gatekeeper",
                "node_id": "A_1",
                "owner": user(self.url, owner, "Organization", 2),
                "name": "gatekeeper",
                "description": "",
                "external_url": "https://gatekeeper.example",
                "html_url": "https://github.example/apps/gatekeeper",
                "created_at": NOW,
                "updated_at": NOW,
            },
            "pull_requests": [],
        }

    def _issue(self, owner: str, name: str, number: int) -> dict[str, Any]:
        url = f"{self.url}/repos/{owner}/{name}/issues/{number}"
        return {
            "id": 1,
            "node_id": "I_1",
            "url": url,
            "repository_url": f"{self.url}/repos/{owner}/{name}",
            "labels_url": f"{url}/labels{{/name}}",
            "comments_url": f"{url}/comments",
            "events_url": f"{url}/events",
            "html_url": f"https://github.example/{owner}/{name}/pull/{number}",
            "number": number,
            "state": "open",
            "title": "A change",
            "body": "Please review",
            "body_html": "<p>Please review</p>",
            "body_text": "Please review",
            "user": user(self.url, "author", "User", 3),
            "labels": [],
            "assignee": None,
            "assignees": [],
            "milestone": None,
            "locked": False,
            "comments": len(self.comments.get((f"{owner}/{name}", number), [])),
            "pull_request": {
                "url": f"{self.url}/repos/{owner}/{name}/pulls/{number}",
                "html_url": f"https://github.example/{owner}/{name}/pull/{number}",
                "diff_url": f"https://github.example/{owner}/{name}/pull/{number}.diff",
                "patch_url": f"https://github.example/{owner}/{name}/pull/{number}.patch",
            },
            "closed_at": None,
            "closed_by": None,
            "created_at": NOW,
            "updated_at": NOW,
            "author_association": "CONTRIBUTOR",
        }

    def _new_comment(
        self, repo: str, number: int, body: str, login: str = "github-actions[bot]"
    ) -> dict[str, Any]:
        self.next_id += 1
        cid = self.next_id
        comment = {
            "id": cid,
            "node_id": f"IC_{cid}",
            "url": f"{self.url}/repos/{repo}/issues/comments/{cid}",
            "html_url": f"https://github.example/{repo}/pull/{number}#issuecomment-{cid}",
            "issue_url": f"{self.url}/repos/{repo}/issues/{number}",
            "body": body,
            "body_text": body,
            "body_html": f"<p>{body}</p>",
            "user": user(self.url, login, "Bot" if login.endswith("[bot]") else "User", 4),
            "created_at": NOW,
            "updated_at": NOW,
            "author_association": "NONE",
        }
        self.comments.setdefault((repo, number), []).append(comment)
        return comment

    def _find_comment(self, repo: str, cid: int) -> dict[str, Any] | None:
        for (owner_repo, _), comments in self.comments.items():
            for comment in comments:
                if owner_repo == repo and comment["id"] == cid:
                    return comment
        return None


@contextmanager
def fake_github(given: FakeGitHub | None = None) -> Iterator[FakeGitHub]:
    """Serve ``state`` (a new :class:`FakeGitHub` by default; a subclass adds endpoints)."""
    state = given if given is not None else FakeGitHub()

    class Handler(BaseHTTPRequestHandler):
        def handle_any(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            body = json.loads(raw) if raw else None
            parts = urlsplit(self.path)
            auth = self.headers.get("Authorization") or ""
            with state.lock:
                state.log.append(
                    Logged(self.command, parts.path, parts.query, body, bool(auth), auth)
                )
            headers: dict[str, str] = {}
            if state.required_auth is not None and auth != state.required_auth:
                status, answer = 401, {"message": "Bad credentials"}
            else:
                state.current.headers = self.headers
                status, headers, answer = state.answer(self.command, parts.path, parts.query, body)
            with state.lock:
                state.statuses.append((parts.path, status))
            data = b"" if status == 304 else json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.send_header("x-ratelimit-limit", "5000")
            if "x-ratelimit-remaining" not in {k.lower() for k in headers}:
                self.send_header("x-ratelimit-remaining", "4999")
            for key, value in headers.items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_PATCH = handle_any

        def log_message(self, *args: object) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{httpd.server_address[1]}"
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield state
    finally:
        httpd.shutdown()
        httpd.server_close()
