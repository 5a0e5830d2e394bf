"""Publish a run's verdict: a commit status (or a check run) and the one pull request comment.

- With a token (the workflow's ``GITHUB_TOKEN``): the commit status ``gatekeeper``.
- With GitHub App installation credentials: a check run ``gatekeeper`` with the summary.
- On a pull request: one comment, found again by :data:`~gatekeeper.github.summary.MARKER` and
  edited in place; it is created only when there is something to show, and once the pull
  request passes again it says so.

A pull request from a fork gets a workflow token that cannot write: with a token, nothing is
attempted (its head repository is not the base; a GitHub App installation on the base
repository can still write, so it tries), and a 403 on a write to a pull request degrades the
same way. Both
return a notice and leave the verdict to the annotations and the job summary. Everything else
raises a :class:`~gatekeeper.errors.BackendError` (exit 3).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from gatekeeper.github import summary
from gatekeeper.github.client import POLICY, connect, translated
from gatekeeper.net.http import REAL_CLOCK
from gatekeeper.net.retry import Clock, RetryPolicy, rate_limited

if TYPE_CHECKING:
    from gatekeeper.github.settings import GitHubSettings
    from gatekeeper.model import Report

T = TypeVar("T")
_READ_ONLY = (
    "the token cannot write to {repository} ({why}): the verdict is in the annotations and "
    "the job summary only"
)


@dataclass(frozen=True)
class Published:
    """What was written (one line each), and the notices of what was not."""

    done: tuple[str, ...]
    notices: tuple[str, ...] = ()


class _ReadOnly(Exception):
    """A write to a pull request was refused with a plain 403."""


def publish(
    report: Report,
    settings: GitHubSettings,
    *,
    policy: RetryPolicy = POLICY,
    clock: Clock = REAL_CLOCK,
) -> Published:
    pull = settings.pull_request
    if pull is not None and pull.read_only_token and settings.credentials.app is None:
        why = (
            f"pull request #{pull.number} comes from the fork {pull.head_repository or '(deleted)'}"
        )
        return Published((), (_READ_ONLY.format(repository=settings.repository, why=why),))
    gh = connect(settings, policy=policy, clock=clock)
    owner, name = settings.owner_and_name
    with translated("reading the repository", settings.api_url):
        repo = gh.repository(owner, name)
    writer = _Writer(settings, in_pull_request=pull is not None)
    done: list[str] = []
    try:
        done.append(_verdict(writer, repo, report, settings))
        if pull is not None:
            ours = _author_test(writer, gh, settings)
            done.append(_comment(writer, repo, pull.number, report, ours))
    except _ReadOnly:
        why = "HTTP 403 on a pull request, as for a fork"
        return Published(tuple(done), (_READ_ONLY.format(repository=settings.repository, why=why),))
    return Published(tuple(done))


class _Writer:
    """Runs one github3.py call, mapping its errors; a plain 403 in a PR becomes _ReadOnly."""

    def __init__(self, settings: GitHubSettings, *, in_pull_request: bool) -> None:
        self.url = settings.api_url
        self.in_pull_request = in_pull_request

    def __call__(self, doing: str, call: Callable[[], T]) -> T:
        from github3.exceptions import ForbiddenError

        with translated(doing, self.url):
            try:
                return call()
            except ForbiddenError as exc:
                if self.in_pull_request and not rate_limited(403, exc.response.headers):
                    raise _ReadOnly from None
                raise


def _verdict(write: _Writer, repo: Any, report: Report, settings: GitHubSettings) -> str:
    state = summary.state(report)
    sha = settings.sha
    if settings.credentials.app is not None:
        conclusion = "success" if state == "success" else "failure"
        output = {
            "title": f"gatekeeper: {report.verdict.value}",
            "summary": summary.check_summary(report),
        }
        write(
            "creating the check run",
            lambda: repo.create_check_run(
                name=summary.CONTEXT,
                head_sha=sha,
                details_url=settings.run_url,
                status="completed",
                conclusion=conclusion,
                output=output,
            ),
        )
        return f"check run {summary.CONTEXT}: {conclusion} on {sha[:12]}"
    write(
        "creating the commit status",
        lambda: repo.create_status(
            sha,
            state,
            target_url=settings.run_url,
            description=summary.description(report),
            context=summary.CONTEXT,
        ),
    )
    return f"commit status {summary.CONTEXT}: {state} on {sha[:12]}"


def _author_test(write: _Writer, gh: Any, settings: GitHubSettings) -> Callable[[Any], bool]:
    """Which comment authors are us. An App installation and the workflow's token (``ghs_``)
    post as a bot account, which nobody else can impersonate; a personal token posts as its
    user, asked from ``GET /user``. A marker in someone else's comment is then ignored."""
    token = settings.credentials.token
    if token is None or token.get_secret_value().startswith("ghs_"):
        return lambda user: bool(user.type == "Bot")
    login = write("reading the token's user", lambda: gh.me().login)
    return lambda user: bool(user.login == login)


def _comment(
    write: _Writer, repo: Any, number: int, report: Report, by_us: Callable[[Any], bool]
) -> str:
    issue = write("reading the pull request", lambda: repo.issue(number))
    ours = write(
        "reading the pull request's comments",
        lambda: next(
            (
                c
                for c in issue.comments()
                if (c.body or "").startswith(summary.MARKER) and by_us(c.user)
            ),
            None,
        ),
    )
    body = summary.comment_body(report)
    if ours is None:
        if summary.clean(report):
            return f"pull request #{number}: passed, no comment needed"
        created = write("creating the pull request comment", lambda: issue.create_comment(body))
        return f"pull request #{number}: comment {created.id} created"
    write("editing the pull request comment", lambda: ours.edit(body))
    return f"pull request #{number}: comment {ours.id} edited"
