"""A package index client: PEP 691 JSON with a PEP 503 HTML fallback (devpi, PyPI, mirrors).

Used by ``gatekeeper outdated`` (every version of a project) and by the audit gate (which names
the internal index serves). Network problems raise :class:`BackendUnavailable` (exit 3); the
URL in messages never carries credentials.
"""

from __future__ import annotations

from collections.abc import Iterable
from html.parser import HTMLParser
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin

from packaging.utils import (
    InvalidSdistFilename,
    InvalidWheelFilename,
    canonicalize_name,
    parse_sdist_filename,
    parse_wheel_filename,
)
from packaging.version import Version

from gatekeeper.errors import BackendUnavailable
from gatekeeper.json_input import load_json
from gatekeeper.net.retry import RetryPolicy
from gatekeeper.net.urls import redact

if TYPE_CHECKING:
    import httpx

PYPI_SIMPLE = "https://pypi.org/simple/"
ACCEPT = (
    "application/vnd.pypi.simple.v1+json, "
    "application/vnd.pypi.simple.v1+html;q=0.2, text/html;q=0.1"
)
#: PyPI's root listing is about 40 MB of HTML; one project's page is far smaller.
MAX_ANSWER = 256 * 1024**2
#: Three attempts per page, each page within two minutes.
POLICY = RetryPolicy(attempts=3, deadline=120.0)
WHAT = "the package index"
SETTING = "the index URL (--index-url, audit.index_url or internal.index_url)"


class _Anchors(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.items: list[tuple[str, bool]] = []
        self._yanked = False
        self._inside = False
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self._inside = True
            self._yanked = any(name == "data-yanked" for name, _ in attrs)
            self._text = []

    def handle_data(self, data: str) -> None:
        if self._inside:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._inside:
            self.items.append(("".join(self._text).strip(), self._yanked))
            self._inside = False


def version_of(filename: str) -> Version | None:
    """The version in a wheel or sdist filename; None for anything else."""
    try:
        if filename.endswith(".whl"):
            return parse_wheel_filename(filename)[1]
        return parse_sdist_filename(filename)[1]
    except (InvalidWheelFilename, InvalidSdistFilename, ValueError):  # also 5,000-digit numbers
        return None


def _versions(files: Iterable[tuple[str, bool]]) -> list[Version]:
    found = {v for name, yanked in files if not yanked and (v := version_of(name)) is not None}
    return sorted(found)


class IndexClient:
    """A simple-API index at ``url`` (ending in ``/simple/`` or ``/+simple/``).

    One HTTP client (one connection pool) serves every request of the object's life; it is
    made on the first request. Close it with :meth:`close` or use the object as a context.
    """

    def __init__(
        self, url: str, timeout: float = 10.0, transport: httpx.BaseTransport | None = None
    ) -> None:
        self.url = url
        self.timeout = timeout
        self.transport = transport
        self._client: httpx.Client | None = None

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

    def __enter__(self) -> IndexClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _get(self, url: str) -> httpx.Response | None:
        from gatekeeper.net import http

        if self._client is None:
            self._client = http.client(timeout=self.timeout, transport=self.transport)
        response = http.fetch(
            self._client,
            "GET",
            url,
            what=WHAT,
            setting=SETTING,
            max_bytes=MAX_ANSWER,
            policy=POLICY,
            allow=(404,),
            headers={"Accept": ACCEPT},
        )
        return None if response.status_code == 404 else response

    @staticmethod
    def _json(response: httpx.Response) -> dict[str, Any] | None:
        if "json" not in response.headers.get("content-type", ""):
            return None
        try:
            data = load_json(response.content, source="index", error=BackendUnavailable)
        except BackendUnavailable:
            data = None
        if not isinstance(data, dict):
            raise BackendUnavailable(f"{WHAT} sent bad JSON", path=redact(str(response.url)))
        return data

    def versions(self, name: str) -> list[Version] | None:
        """Every non-yanked version of ``name``, ascending; None when the index lacks it."""
        base = self.url if self.url.endswith("/") else self.url + "/"
        response = self._get(urljoin(base, f"{canonicalize_name(name)}/"))
        if response is None:
            return None
        data = self._json(response)
        if data is None:
            parser = _Anchors()
            parser.feed(response.text)
            return _versions(parser.items)
        files = [
            (str(f.get("filename", "")), bool(f.get("yanked", False)))
            for f in data.get("files", [])
            if isinstance(f, dict)
        ]
        return _versions(files)

    def projects(self) -> set[str]:
        """The normalized names of every project the index serves."""
        response = self._get(self.url)
        if response is None:
            raise BackendUnavailable(
                f"{WHAT} answered HTTP 404 (not found) for its root listing", path=redact(self.url)
            )
        data = self._json(response)
        if data is None:
            parser = _Anchors()
            parser.feed(response.text)
            return {str(canonicalize_name(text)) for text, _ in parser.items if text}
        return {
            str(canonicalize_name(str(p["name"])))
            for p in data.get("projects", [])
            if isinstance(p, dict) and "name" in p
        }


def latest(versions: list[Version]) -> Version | None:
    """The highest final release, else the highest pre-release."""
    final = [v for v in versions if not v.is_prerelease]
    pool = final or versions
    return max(pool) if pool else None
