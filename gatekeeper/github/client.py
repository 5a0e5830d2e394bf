"""github3.py on a session carrying the network layer's rules, and its errors mapped onto ours.

github3.py has no retry of its own. Its :class:`~github3.session.GitHubSession` gets a
:class:`~gatekeeper.net.session.PolicyAdapter` for both schemes: bounded retries with backoff on
5xx, 429 and GitHub's rate-limit 403s (honouring ``Retry-After`` and ``x-ratelimit-reset``), the
URL rule on every request and redirect, a deadline and a size cap. TLS verification stays on.
A 403 without rate-limit headers is a refusal and is not retried.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from gatekeeper.errors import ConfigError, GatekeeperError
from gatekeeper.net.http import REAL_CLOCK, USER_AGENT
from gatekeeper.net.retry import Clock, RetryPolicy

if TYPE_CHECKING:
    from gatekeeper.github.settings import Access, GitHubSettings

WHAT = "GitHub"
#: Attempts per request and the deadline of each (seconds); waits asked by GitHub are honoured
#: up to a minute, longer ones end the run with the rate-limit error.
POLICY = RetryPolicy(attempts=4, deadline=180.0, retry_after_max=60.0)
#: The largest answer we read: a page of 100 comments of 65,536 characters, with room.
MAX_BYTES = 32 << 20
#: The REST API version we speak (sent as ``X-GitHub-Api-Version``).
API_VERSION = "2022-11-28"


def connect(
    settings: GitHubSettings | Access, *, policy: RetryPolicy = POLICY, clock: Clock = REAL_CLOCK
) -> Any:
    """A logged-in :class:`github3.GitHub` for ``settings.api_url`` (github.com or GitHub
    Enterprise Server's ``https://HOST/api/v3``): as the App installation when configured (one
    request for the installation token), else with the token."""
    from github3 import GitHub
    from github3.session import GitHubSession

    from gatekeeper.net.session import mount

    http = GitHubSession(default_connect_timeout=10, default_read_timeout=30)
    mount(
        http,
        policy,
        what=WHAT,
        setting="GITHUB_API_URL",
        error=ConfigError,
        max_bytes=MAX_BYTES,
        clock=clock,
    )
    http.verify = True
    http.headers["User-Agent"] = f"{USER_AGENT} {http.headers['User-Agent']}"
    gh = GitHub(session=http, api_version=API_VERSION)
    http.base_url = settings.api_url
    credentials = settings.credentials
    if credentials.app is not None:
        app = credentials.app
        with translated("the GitHub App installation token", settings.api_url):
            # PyJWT wants the issuer as a string.
            gh.login_as_app_installation(app.private_key, str(app.app_id), app.installation_id)
    else:
        assert credentials.token is not None  # noqa: S101  # Credentials holds one of them
        gh.login(token=credentials.token.get_secret_value())
    return gh


class translated:  # noqa: N801  # used as a context manager, named like one
    """Turn github3.py's and requests' exceptions raised inside into :func:`github_error`.
    Anything else is a bug and propagates (exit 4)."""

    def __init__(self, doing: str, url: str) -> None:
        self.doing = doing
        self.url = url

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: Any, exc: BaseException | None, tb: Any) -> None:
        import requests
        from github3.exceptions import GitHubException

        if isinstance(exc, GitHubException | requests.RequestException):
            raise github_error(exc, self.doing, self.url) from None


def github_error(exc: Exception, doing: str, url: str) -> GatekeeperError:
    """Our error for ``exc`` (from github3.py or requests) raised while ``doing`` (what we
    were reading or writing) at the API ``url``: an HTTP status through
    :func:`~gatekeeper.net.errors.status_error` (a rate-limit 403 as a rate limit), a
    transport failure through :func:`~gatekeeper.net.errors.map_error`."""
    from github3 import exceptions as gx

    from gatekeeper.net.errors import map_error, status_error

    what = f"{WHAT} ({doing})"
    response = getattr(exc, "response", None)
    if isinstance(exc, gx.GitHubError) and response is not None:
        status = response.status_code
        error = status_error(status, what, response.url, headers=response.headers)
        error.hint = _HINTS.get(status, error.hint)
        return error
    cause = exc.exception if isinstance(exc, gx.TransportError) else exc
    return map_error(cause, what, url, setting="GITHUB_API_URL")


_HINTS = {
    404: "the repository, commit or pull request is not visible to the token",
    422: "GitHub rejected what we sent (an unknown commit, or a body over its limits)",
}
