"""Online mode: ask an OSV API (``https://api.osv.dev/v1/query`` or a mirror) per package.

The request is the one pip-audit's OSV service sends, but without a version: the answer then
holds every advisory of the package, so fix versions are computed exactly as offline, and the
entries go through the same normalization and matching as a sync. pip-audit's ``OsvService``
itself is not reused because its results drop what the gate needs (severity vectors and ranges).
Answers are cached per package for the life of the object.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from gatekeeper.advisories import matching
from gatekeeper.advisories.lookup import Lookups
from gatekeeper.advisories.osv import ECOSYSTEM, InvalidEntry, normalize_entry, normalize_name
from gatekeeper.advisories.sources import check_url
from gatekeeper.errors import BackendUnavailable
from gatekeeper.net.retry import RetryPolicy
from gatekeeper.net.urls import redact

if TYPE_CHECKING:
    import httpx

#: Stop following ``next_page_token`` after this many pages (a misbehaving server).
MAX_PAGES = 100
#: One answer is one package's advisories: a few hundred kilobytes at most.
MAX_ANSWER = 64 * 1024**2
#: Three attempts per page, each page within two minutes.
POLICY = RetryPolicy(attempts=3, deadline=120.0)
SETTING = "audit.osv_url"


class OnlineAdvisories(Lookups):
    """The same lookups as :class:`~gatekeeper.advisories.AdvisoryDB`, answered by an OSV API.

    Unreachable servers, HTTP errors and malformed answers raise
    :class:`~gatekeeper.errors.BackendUnavailable` (exit 3). Invalid entries are skipped and
    listed in :attr:`warnings`.
    """

    def __init__(self, url: str, timeout: float = 30.0, client: httpx.Client | None = None) -> None:
        from gatekeeper.net import http

        check_url(url, SETTING)
        self.url = url
        self.warnings: list[str] = []
        self._own = client is None
        self._client = client or http.client(timeout=timeout)
        self._cache: dict[str, list[matching.Compiled]] = {}

    def close(self) -> None:
        if self._own:
            self._client.close()

    def __enter__(self) -> OnlineAdvisories:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def records(self, name: str) -> list[matching.Compiled]:
        key = normalize_name(name)
        if key not in self._cache:
            entries = self._query(key)
            records = []
            for index, entry in enumerate(entries):
                origin = f"{redact(self.url)}#{key}/{index}"
                try:
                    normalized = normalize_entry(entry, origin)
                except InvalidEntry as exc:
                    self.warnings.append(f"skipped {exc}")
                    continue
                self.warnings.extend(normalized.warnings)
                if key in normalized.records:
                    records.append(normalized.records[key])
            self._cache[key] = matching.compile_records(records)
        return self._cache[key]

    def _post(self, body: str) -> Any:
        """POST one query (retried on connection errors and 429/5xx); the answer as JSON."""
        from gatekeeper.net import http

        response = http.fetch(
            self._client,
            "POST",
            self.url,
            what="the OSV API",
            setting=SETTING,
            max_bytes=MAX_ANSWER,
            policy=POLICY,
            headers={"Content-Type": "application/json"},
            content=body,
        )
        return http.json_body(response, "the OSV API")

    def _query(self, name: str) -> list[Any]:
        query: dict[str, Any] = {"package": {"name": name, "ecosystem": ECOSYSTEM}}
        vulns: list[Any] = []
        for _ in range(MAX_PAGES):
            body = self._post(json.dumps(query))
            if not isinstance(body, dict) or not isinstance(body.get("vulns", []), list):
                raise BackendUnavailable(
                    "the OSV API sent an unexpected answer", path=redact(self.url)
                )
            vulns.extend(body.get("vulns", []))
            token = body.get("next_page_token")
            if not token:
                return vulns
            query["page_token"] = token
        raise BackendUnavailable(
            f"the OSV API sent more than {MAX_PAGES} pages", path=redact(self.url)
        )
