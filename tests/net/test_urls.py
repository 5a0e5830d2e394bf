"""The URL rule and redact(): credentials never survive into a message."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from gatekeeper.errors import ConfigError, UsageError
from gatekeeper.net import check_url, is_loopback, redact
from gatekeeper.net.errors import map_error
from gatekeeper.net.urls import without_userinfo


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("http://u:pw@host/x", "http://u:***@host/x"),
        ("https://user:p%40ss@h.example:8443/simple/", "https://user:***@h.example:8443/simple/"),
        ("https://u:p@ss@host/x", "https://u:***@host/x"),  # the last @ ends the userinfo
        ("https://ghp_abcdef@github.com/o/r", "https://***@github.com/o/r"),
        ("https://h/x?token=abc&page=2", "https://h/x?token=***&page=2"),
        (
            "https://h/x?X-Amz-Signature=abc;api_key=k#f",
            "https://h/x?X-Amz-Signature=***;api_key=***#f",
        ),
        ("https://h/x?q=1&Password=p", "https://h/x?q=1&Password=***"),
        ("failed with token hvs.CAESIabcdefghijklmnop", "failed with token ***"),
        ("legacy s.abcdefghijklmnopqrstuvwx token", "legacy *** token"),
        ("Authorization: Bearer eyJhbGciOi.x.y", "Authorization: Bearer ***"),
        ("Authorization: Basic dXNlcjpwYXNzd29yZA==", "Authorization: Basic ***"),
        ("X-Vault-Token: root-token", "X-Vault-Token: ***"),
        ("GITHUB_TOKEN is ghs_16C7e42F292c6912E7710c838347Ae178B4a", "GITHUB_TOKEN is ***"),
        ("pat github_pat_11ABCDEFG0123456789_abcdefghijklmn end", "pat *** end"),
        ("ghp_short", "ghp_short"),
        ("git+https://github.com/org/repo@v1.0", "git+https://github.com/org/repo@v1.0"),
        ("https://pypi.org/simple/?page=2", "https://pypi.org/simple/?page=2"),
        ("the token or AppRole credentials", "the token or AppRole credentials"),
        ("use s.thing here", "use s.thing here"),
    ],
)
def test_redact(text: str, shown: str) -> None:
    assert redact(text) == shown


PASSWORDS = st.text(
    alphabet=st.characters(
        codec="utf-8", exclude_characters="/?#@\\", exclude_categories=("Z", "C")
    ),
    min_size=6,
    max_size=40,
)


@example(password="00000\ufe13", raw=True)  # NFKC-invalid: urlsplit's error quoted the netloc
@given(password=PASSWORDS, raw=st.booleans())
def test_a_planted_password_never_appears(password: str, raw: bool) -> None:
    planted = password if raw else quote(password, safe="")
    url = f"https://deploy:{planted}@mirror.example/PyPI/all.zip"
    assert planted not in redact(url).replace("deploy:***@mirror.example/PyPI/all.zip", "")
    assert redact(url).startswith("https://deploy:***@mirror.example/")
    for error in (
        map_error(ConnectionError("refused"), "the mirror", url),
        map_error(OSError(url), "the mirror", url),
    ):
        assert planted not in str(error)
    for bad in (
        url.replace("https", "http"),
        url.replace("mirror.example", "mirror.example:99999"),
    ):
        with pytest.raises(UsageError) as info:
            check_url(bad, "--from")
        assert planted not in str(info.value)


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://mirror.example/x", "--from: refusing plain HTTP to mirror.example"),
        ("http://10.0.0.1/x", "refusing plain HTTP to 10.0.0.1"),
        ("ftp://127.0.0.1/x", "must be an http.s. URL"),
        ("https://", "must be an http.s. URL"),
        ("https://h:99999/", r"--from is not a valid URL \(invalid port\)"),
        ("https://h:0/", "invalid port"),
        ("https://h:x/", "not a valid URL"),
        ("https://[::1/", "not a valid URL"),
        ("https://h/a b", "whitespace or control characters"),
        ("https://h/\x7f", "whitespace or control characters"),
    ],
)
def test_the_url_rule(url: str, message: str) -> None:
    with pytest.raises(UsageError, match=message):
        check_url(url, "--from")


def test_the_url_rule_allows_tls_and_loopback() -> None:
    for url in ("https://a.b/x", "http://localhost:1/x", "http://127.0.0.2/", "http://[::1]:8/"):
        assert check_url(url, "--from").hostname
    with pytest.raises(ConfigError, match="VAULT_ADDR: refusing plain HTTP"):
        check_url("http://vault.example:8200", "VAULT_ADDR", ConfigError)
    assert is_loopback("localhost") and is_loopback("::1") and not is_loopback("example.com")


def test_without_userinfo() -> None:
    assert without_userinfo("https://u:p@h:8200/v1?x#f") == "https://h:8200/v1?x#f"
    assert without_userinfo("https://h/") == "https://h/"
