"""Fixtures for the GitHub reporting tests: the fake server, settings pointing at it, a key."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from functools import cache

import pytest
from pydantic import SecretStr

from gatekeeper.github.settings import App, Credentials, GitHubSettings, PullRequest
from tests.github.fake_server import FakeGitHub, fake_github
from tests.net.fakes import FakeTime

#: The workflow token the tests hand to gatekeeper; it must never show up in any output.
TOKEN = "ghs_" + "T0kenValue" * 4  # noqa: S105  # a fake
REPO = "corp/service"
HEAD = "b" * 40
MERGE = "a" * 40
#: A personal access token: it posts as its user, not as a bot.
PAT = "github_pat_" + "P" * 40  # noqa: S105  # a fake


@pytest.fixture
def fake() -> Iterator[FakeGitHub]:
    with fake_github() as server:
        yield server


@pytest.fixture
def clock() -> FakeTime:
    return FakeTime()


def settings(
    fake: FakeGitHub,
    *,
    pull: int | None = 7,
    head_repo: str | None = REPO,
    app: bool = False,
    token: str = TOKEN,
) -> GitHubSettings:
    credentials = (
        Credentials(app=App(12, 34, private_key())) if app else Credentials(token=SecretStr(token))
    )
    made = GitHubSettings(
        repository=REPO,
        sha=HEAD if pull is not None else MERGE,
        api_url=fake.url,
        credentials=credentials,
        run_url="https://github.example/corp/service/actions/runs/99",
    )
    if pull is None:
        return made
    return replace(made, pull_request=PullRequest(pull, HEAD, head_repo, REPO))


@cache
def private_key() -> bytes:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
