"""Online mode: ask an OSV API (``https://api.osv.dev/v1/query`` or a mirror) per package.

The request is the one pip-audit's OSV service sends, but without a version: the answer then
holds every advisory of the package, so fix versions are computed exactly as offline, and the
entries go through the same normalization and matching as a sync. pip-audit's ``OsvService``
itself is not reused because its results drop what the gate needs (severity vectors and ranges).
Answers are cached per package for the life of the object.
"""

from __future__ import annotations

import json
import time
from typing import TYPE_CHECKING, Any

from gatekeeper.advisories import matching
from gatekeeper.advisories.lookup import Lookups
from gatekeeper.advisories.osv import ECOSYSTEM, InvalidEntry, normalize_entry, normalize_name
from gatekeeper.advisories.retry import DELAYS, RETRY_STATUS
from gatekeeper.advisories.sources import check_url
from gatekeeper.errors import BackendUnavailable
from gatekeeper.json_input import load_json

if TYPE_CHECKING:
    import httpx

#: Stop following ``next_page_token`` after this many pages (a misbehaving server).
MAX_PAGES = 100


class OnlineAdvisories(Lookups):
    """The same lookups as :class:`~gatekeeper.advisories.AdvisoryDB`, answered by an OSV API.

    Unreachable servers, HTTP errors and malformed answers raise
    :class:`~gatekeeper.errors.BackendUnavailable` (exit 3). Invalid entries are skipped and
    listed in :attr:`warnings`.
    """

    def __init__(self, url: str, timeout: float = 30.0, client: httpx.Client | None = None) -> None:
        import httpx

        check_url(url)
        self.url = url
        self.warnings: list[str] = []
        self._own = client is None
        self._client = client or httpx.Client(timeout=httpx.Timeout(timeout))
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
                origin = f"{self.url}#{key}/{index}"
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

    def _post(self, body: str) -> httpx.Response:
        """POST with retries on connection errors and 429/5xx answers."""
        import httpx

        try:
            for delay in DELAYS:
                try:
                    response = self._client.post(self.url, content=body)
                    if response.status_code not in RETRY_STATUS:
                        return response
                except httpx.TransportError:
                    pass
                time.sleep(delay)
            return self._client.post(self.url, content=body)
        except httpx.HTTPError as exc:
            raise BackendUnavailable(
                f"cannot reach the OSV API: {exc.__class__.__name__}", path=self.url
            ) from None

    def _query(self, name: str) -> list[Any]:
        query: dict[str, Any] = {"package": {"name": name, "ecosystem": ECOSYSTEM}}
        vulns: list[Any] = []
        for _ in range(MAX_PAGES):
            response = self._post(json.dumps(query))
            if response.status_code >= 400:
                raise BackendUnavailable(
                    f"the OSV API answered HTTP {response.status_code}", path=self.url
                )
            try:
                body = load_json(response.content, source=self.url, error=BackendUnavailable)
            except BackendUnavailable as exc:
                raise BackendUnavailable(
                    f"the OSV API sent invalid JSON ({exc.message})", path=self.url
                ) from None
            if not isinstance(body, dict) or not isinstance(body.get("vulns", []), list):
                raise BackendUnavailable("the OSV API sent an unexpected answer", path=self.url)
            vulns.extend(body.get("vulns", []))
            token = body.get("next_page_token")
            if not token:
                return vulns
            query["page_token"] = token
        raise BackendUnavailable(f"the OSV API sent more than {MAX_PAGES} pages", path=self.url)
