"""publish() against the fake GitHub: what is written, in which requests, and what degrades."""

from __future__ import annotations

from typing import Any

import pytest

from gatekeeper.errors import AuthenticationError, BackendUnavailable
from gatekeeper.github.publish import Published, publish
from gatekeeper.github.summary import COMMENT_LIMIT, MARKER
from tests.github.conftest import HEAD, MERGE, PAT, REPO, TOKEN, settings
from tests.github.fake_server import INSTALLATION_TOKEN, FakeGitHub
from tests.net.fakes import FakeTime
from tests.report.conftest import failing_report, passing_report

STATUSES = f"/repos/{REPO}/statuses/{HEAD}"
COMMENTS = f"/repos/{REPO}/issues/7/comments"


def run(fake: FakeGitHub, clock: FakeTime, report: Any = None, **kwargs: Any) -> Published:
    return publish(report or failing_report(), settings(fake, **kwargs), clock=clock.clock())


def test_a_full_pr_run_then_a_second_run_edits_the_same_comment(
    fake: FakeGitHub, clock: FakeTime
) -> None:
    first = run(fake, clock)
    assert fake.writes() == [("POST", STATUSES), ("POST", COMMENTS)]
    status = fake.requests("POST", STATUSES)[0].body
    assert status["state"] == "error" and status["context"] == "gatekeeper"
    assert status["target_url"] == "https://github.example/corp/service/actions/runs/99"
    assert 0 < len(status["description"]) <= 140
    created = fake.requests("POST", COMMENTS)[0].body["body"]
    assert created.startswith(MARKER + "\n## ❌ gatekeeper: failed")
    assert "| Gate | Status | Metrics | Reason |" in created
    assert all(r.authorized and r.authorization == f"token {TOKEN}" for r in fake.log)
    (comment,) = fake.comments[(REPO, 7)]
    assert first.done[-1] == f"pull request #7: comment {comment['id']} created"
    assert first.notices == ()

    fake.log.clear()
    second = run(fake, clock)
    edit = f"/repos/{REPO}/issues/comments/{comment['id']}"
    assert fake.writes() == [("POST", STATUSES), ("PATCH", edit)]
    assert len(fake.comments[(REPO, 7)]) == 1
    assert second.done[-1] == f"pull request #7: comment {comment['id']} edited"
    assert fake.requests("GET", COMMENTS)[0].query == "per_page=100"


def test_a_clean_pr_says_so_in_the_same_comment(fake: FakeGitHub, clock: FakeTime) -> None:
    run(fake, clock)
    run(fake, clock, passing_report())
    (comment,) = fake.comments[(REPO, 7)]
    assert comment["body"].startswith(MARKER + "\n## ✅ gatekeeper: all gates pass")
    assert "1 findings, none blocking" in comment["body"]
    last_status = fake.requests("POST", STATUSES)[-1].body
    assert last_status["state"] == "success"


def test_a_clean_pr_without_our_comment_gets_none(fake: FakeGitHub, clock: FakeTime) -> None:
    fake.add_comment(REPO, 7, "LGTM")
    fake.add_comment(REPO, 7, "not ours: " + MARKER)
    published = run(fake, clock, passing_report())
    assert fake.writes() == [("POST", STATUSES)]
    assert published.done[-1] == "pull request #7: passed, no comment needed"


def test_our_comment_is_found_among_others(fake: FakeGitHub, clock: FakeTime) -> None:
    fake.add_comment(REPO, 7, "LGTM")
    ours = fake.add_comment(REPO, 7, MARKER + "\nold summary", login="github-actions[bot]")
    run(fake, clock)
    assert fake.writes()[-1] == ("PATCH", f"/repos/{REPO}/issues/comments/{ours}")


def test_a_marker_in_someone_elses_comment_is_ignored(fake: FakeGitHub, clock: FakeTime) -> None:
    fake_pass = MARKER + "\n## ✅ gatekeeper: all gates pass"
    planted = fake.add_comment(REPO, 7, fake_pass, login="mallory")
    run(fake, clock)
    assert fake.writes()[-1] == ("POST", COMMENTS)
    theirs, ours = fake.comments[(REPO, 7)]
    assert theirs["id"] == planted and theirs["body"] == fake_pass
    assert ours["user"]["login"] == "github-actions[bot]"
    fake.log.clear()
    run(fake, clock)
    assert fake.writes()[-1] == ("PATCH", f"/repos/{REPO}/issues/comments/{ours['id']}")


def test_a_personal_token_finds_the_comments_of_its_user(fake: FakeGitHub, clock: FakeTime) -> None:
    fake.add_comment(REPO, 7, MARKER + "\nby a bot", login="other[bot]")
    run(fake, clock, token=PAT)
    assert fake.requests("GET", "/user")
    assert fake.writes()[-1] == ("POST", COMMENTS)
    created = fake.comments[(REPO, 7)][-1]
    assert created["user"]["login"] == "deploy-user"
    fake.log.clear()
    run(fake, clock, token=PAT)
    assert fake.writes()[-1] == ("PATCH", f"/repos/{REPO}/issues/comments/{created['id']}")
    assert all(r.authorization == f"token {PAT}" for r in fake.log)


def test_our_comment_is_found_on_a_later_page(fake: FakeGitHub, clock: FakeTime) -> None:
    for n in range(150):
        fake.add_comment(REPO, 7, f"comment {n}")
    ours = fake.add_comment(REPO, 7, MARKER + "\nold summary", login="github-actions[bot]")
    run(fake, clock)
    pages = [r.query for r in fake.requests("GET", COMMENTS)]
    assert pages == ["per_page=100", "per_page=100&page=2"]
    assert fake.writes()[-1] == ("PATCH", f"/repos/{REPO}/issues/comments/{ours}")
    assert len(fake.comments[(REPO, 7)]) == 151


def test_a_push_run_sets_the_status_only(fake: FakeGitHub, clock: FakeTime) -> None:
    published = run(fake, clock, passing_report(), pull=None)
    assert fake.writes() == [("POST", f"/repos/{REPO}/statuses/{MERGE}")]
    assert published == Published((f"commit status gatekeeper: success on {MERGE[:12]}",))


def test_a_policy_failure_is_a_failure_state(fake: FakeGitHub, clock: FakeTime) -> None:
    from dataclasses import replace

    report = replace(failing_report(), exit_code=1)
    run(fake, clock, report, pull=None)
    assert fake.requests("POST")[0].body["state"] == "failure"


def test_app_credentials_create_a_check_run(fake: FakeGitHub, clock: FakeTime) -> None:
    published = run(fake, clock, app=True)
    token_request, *rest = fake.log
    assert (token_request.method, token_request.path) == (
        "POST",
        "/app/installations/34/access_tokens",
    )
    assert token_request.authorization.startswith("Bearer ")  # the App's JWT
    assert fake.writes()[1:] == [("POST", f"/repos/{REPO}/check-runs"), ("POST", COMMENTS)]
    assert all(r.authorization == f"token {INSTALLATION_TOKEN}" for r in rest)
    check = fake.requests("POST", f"/repos/{REPO}/check-runs")[0].body
    assert check["name"] == "gatekeeper" and check["head_sha"] == HEAD
    assert check["status"] == "completed" and check["conclusion"] == "failure"
    assert check["output"]["title"] == "gatekeeper: failed"
    assert "| Gate | Status |" in check["output"]["summary"]
    assert check["details_url"].endswith("/actions/runs/99")
    assert published.done[0] == f"check run gatekeeper: failure on {HEAD[:12]}"
    assert not fake.requests("POST", STATUSES)


def test_a_passing_check_run_succeeds(fake: FakeGitHub, clock: FakeTime) -> None:
    run(fake, clock, passing_report(), app=True, pull=None)
    assert fake.requests("POST", f"/repos/{REPO}/check-runs")[0].body["conclusion"] == "success"


def test_a_fork_pr_writes_nothing_and_gives_a_notice(fake: FakeGitHub, clock: FakeTime) -> None:
    published = run(fake, clock, head_repo="someone/service")
    assert fake.log == []
    assert published.done == ()
    (notice,) = published.notices
    assert "cannot write to corp/service" in notice and "someone/service" in notice


def test_an_app_installation_writes_to_a_fork_pr(fake: FakeGitHub, clock: FakeTime) -> None:
    published = run(fake, clock, head_repo="someone/service", app=True)
    assert published.notices == ()
    assert [w[1] for w in fake.writes()][1:] == [f"/repos/{REPO}/check-runs", COMMENTS]


def test_a_pull_request_target_run_writes_to_a_fork_pr(fake: FakeGitHub, clock: FakeTime) -> None:
    from dataclasses import replace

    made = settings(fake, head_repo="someone/service")
    assert made.pull_request is not None
    target = replace(made, pull_request=replace(made.pull_request, event="pull_request_target"))
    published = publish(failing_report(), target, clock=clock.clock())
    assert published.notices == () and fake.writes() == [("POST", STATUSES), ("POST", COMMENTS)]


def test_a_deleted_fork_counts_as_a_fork(fake: FakeGitHub, clock: FakeTime) -> None:
    published = run(fake, clock, head_repo=None)
    assert fake.log == [] and "(deleted)" in published.notices[0]


def test_a_403_on_a_pr_write_degrades_to_a_notice(fake: FakeGitHub, clock: FakeTime) -> None:
    fake.fail("POST", COMMENTS, 403)
    published = run(fake, clock)
    assert len(fake.requests("POST", COMMENTS)) == 1  # a refusal is not retried
    assert published.done == (f"commit status gatekeeper: error on {HEAD[:12]}",)
    assert "HTTP 403" in published.notices[0]
    assert clock.sleeps == []


def test_a_403_on_a_push_run_is_an_authentication_error(fake: FakeGitHub, clock: FakeTime) -> None:
    fake.fail("POST", r"/repos/.*/statuses/.*", 403)
    with pytest.raises(AuthenticationError, match=r"creating the commit status.*HTTP 403"):
        run(fake, clock, pull=None)
    assert len(fake.requests("POST")) == 1


def test_a_long_summary_is_cut_to_the_comment_limit(
    fake: FakeGitHub, clock: FakeTime, monkeypatch: pytest.MonkeyPatch
) -> None:
    from gatekeeper.github import summary

    monkeypatch.setattr(summary, "markdown", lambda report: "| row |\n" * 20_000)
    run(fake, clock)
    body = fake.requests("POST", COMMENTS)[0].body["body"]
    assert len(body) <= COMMENT_LIMIT
    assert body.endswith("list every finding._\n") and "| row |\n\n_The summary" in body


def test_the_comment_body_is_unchanged_by_the_fake(fake: FakeGitHub, clock: FakeTime) -> None:
    """The body we send is the one GitHub stores: no double marker, no stray whitespace."""
    run(fake, clock)
    body = fake.comments[(REPO, 7)][0]["body"]
    assert body.count(MARKER) == 1 and not body.endswith("\n\n")


def test_unavailable_github_is_retried_then_exit_3(fake: FakeGitHub, clock: FakeTime) -> None:
    fake.fail("GET", f"/repos/{REPO}", 502, times=10)
    with pytest.raises(BackendUnavailable, match=r"reading the repository.*HTTP 502"):
        run(fake, clock)
    assert len(fake.requests("GET")) == 4 and len(clock.sleeps) == 3
