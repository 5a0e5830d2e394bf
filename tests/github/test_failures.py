"""How each failure GitHub can answer with behaves: retried or not, and which error (exit 3)."""

from __future__ import annotations

import pytest

from gatekeeper.errors import AuthenticationError, BackendError, BackendUnavailable, ConfigError
from gatekeeper.github.client import POLICY, connect, github_error
from gatekeeper.github.publish import publish
from tests.github.conftest import REPO, TOKEN, settings
from tests.github.fake_server import FakeGitHub
from tests.net.fakes import WALL, FakeTime
from tests.report.conftest import failing_report

REPO_PATH = f"/repos/{REPO}"


def attempt(fake: FakeGitHub, clock: FakeTime, **kwargs: object) -> None:
    publish(failing_report(), settings(fake, **kwargs), clock=clock.clock())  # type: ignore[arg-type]


def test_401_bad_credentials_is_not_retried(fake: FakeGitHub, clock: FakeTime) -> None:
    fake.fail("GET", REPO_PATH, 401)
    with pytest.raises(AuthenticationError, match=r"refused access \(HTTP 401\)") as caught:
        attempt(fake, clock)
    assert len(fake.log) == 1 and clock.sleeps == []
    assert caught.value.exit_code == 3
    assert TOKEN not in str(caught.value)


def test_403_without_rate_limit_headers_is_a_refusal(fake: FakeGitHub, clock: FakeTime) -> None:
    fake.fail("GET", REPO_PATH, 403)
    with pytest.raises(AuthenticationError, match=r"HTTP 403"):
        attempt(fake, clock)
    assert len(fake.log) == 1 and clock.sleeps == []


def test_primary_rate_limit_waits_for_the_reset(fake: FakeGitHub, clock: FakeTime) -> None:
    reset = str(int(WALL) + 42)
    fake.fail(
        "POST",
        r"/repos/.*/statuses/.*",
        403,
        headers={"x-ratelimit-remaining": "0", "x-ratelimit-reset": reset},
    )
    attempt(fake, clock)
    assert len(fake.requests("POST", r"/repos/.*/statuses/.*")) == 2
    assert clock.sleeps == [42.0]
    assert len(fake.comments[(REPO, 7)]) == 1  # then carried on


def test_secondary_rate_limit_honours_retry_after(fake: FakeGitHub, clock: FakeTime) -> None:
    fake.fail("POST", r"/repos/.*/issues/7/comments", 403, headers={"retry-after": "7"})
    attempt(fake, clock)
    assert len(fake.requests("POST", r"/repos/.*/issues/7/comments")) == 2
    assert clock.sleeps == [7.0]


def test_429_is_retried(fake: FakeGitHub, clock: FakeTime) -> None:
    fake.fail("GET", REPO_PATH, 429, headers={"Retry-After": "2"})
    attempt(fake, clock)
    assert clock.sleeps == [2.0]


def test_a_rate_limit_that_persists_ends_with_exit_3(fake: FakeGitHub, clock: FakeTime) -> None:
    fake.fail("GET", REPO_PATH, 403, headers={"retry-after": "600"}, times=10)
    with pytest.raises(BackendUnavailable, match=r"HTTP 403 \(rate limited\)") as caught:
        attempt(fake, clock)
    # Each wait is capped at a minute, and a third one would end at the 180 s deadline.
    assert POLICY.retry_after_max == 60.0 and POLICY.deadline == 180.0
    assert len(fake.log) == 3 and clock.sleeps == [60.0, 60.0]
    assert caught.value.hint == "wait for the rate limit to reset"


def test_a_rate_limited_403_in_a_pr_is_not_mistaken_for_a_fork(
    fake: FakeGitHub, clock: FakeTime
) -> None:
    fake.fail("POST", r"/repos/.*/statuses/.*", 403, headers={"retry-after": "1"}, times=10)
    with pytest.raises(BackendUnavailable, match="rate limited"):
        attempt(fake, clock)


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_5xx_is_retried_a_bounded_number_of_times(
    fake: FakeGitHub, clock: FakeTime, status: int
) -> None:
    fake.fail("POST", r"/repos/.*/statuses/.*", status, times=10)
    with pytest.raises(BackendUnavailable, match=f"creating the commit status.*HTTP {status}"):
        attempt(fake, clock)
    assert len(fake.requests("POST")) == POLICY.attempts
    assert len(clock.sleeps) == POLICY.attempts - 1


def test_a_5xx_that_recovers_is_invisible(fake: FakeGitHub, clock: FakeTime) -> None:
    fake.fail("GET", r"/repos/.*/issues/7/comments", 503, times=2)
    attempt(fake, clock)
    assert len(fake.requests("GET", r"/repos/.*/issues/7/comments")) == 3
    assert len(fake.comments[(REPO, 7)]) == 1


def test_404_names_what_is_not_visible(fake: FakeGitHub, clock: FakeTime) -> None:
    fake.fail("GET", REPO_PATH, 404)
    with pytest.raises(BackendUnavailable, match=r"HTTP 404") as caught:
        attempt(fake, clock)
    assert "not visible to the token" in str(caught.value)
    assert len(fake.log) == 1


def test_422_is_not_retried(fake: FakeGitHub, clock: FakeTime) -> None:
    fake.fail("POST", r"/repos/.*/statuses/.*", 422)
    with pytest.raises(BackendError, match=r"HTTP 422.*GitHub rejected what we sent"):
        attempt(fake, clock)
    assert len(fake.requests("POST")) == 1


def test_a_refused_app_installation_token(fake: FakeGitHub, clock: FakeTime) -> None:
    fake.fail("POST", r"/app/installations/34/access_tokens", 401)
    with pytest.raises(AuthenticationError, match=r"installation token.*HTTP 401"):
        attempt(fake, clock, app=True)


def test_github_down_is_unreachable_after_retries(clock: FakeTime) -> None:
    from tests.servers import free_port

    down = FakeGitHub()
    down.url = f"http://127.0.0.1:{free_port()}"
    with pytest.raises(BackendUnavailable, match="is unreachable") as caught:
        attempt(down, clock)
    assert len(clock.sleeps) == POLICY.attempts - 1
    assert caught.value.path == down.url


def test_a_redirect_off_loopback_over_http_is_refused(fake: FakeGitHub, clock: FakeTime) -> None:
    fake.fail("GET", REPO_PATH, 301, headers={"Location": "http://github.example/repos/x"})
    with pytest.raises(ConfigError, match="GITHUB_API_URL: refusing plain HTTP"):
        attempt(fake, clock)


def test_tls_verification_is_on(fake: FakeGitHub) -> None:
    gh = connect(settings(fake))
    assert gh.session.verify is True
    assert gh.session.headers["User-Agent"].startswith("gatekeeper/")
    assert gh.session.headers["X-GitHub-Api-Version"] == "2022-11-28"


def test_other_exceptions_are_bugs_not_backend_errors() -> None:
    from gatekeeper.github.client import translated

    with pytest.raises(TypeError), translated("testing", "https://api.github.example"):
        raise TypeError("a bug")


def test_a_requests_error_outside_github3_is_mapped() -> None:
    import requests

    error = github_error(requests.ConnectionError("refused"), "x", "https://api.github.example")
    assert isinstance(error, BackendUnavailable) and "unreachable" in error.message
