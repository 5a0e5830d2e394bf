"""The network layer every HTTP client in gatekeeper uses (advisories, package indexes, Vault).

- :mod:`~gatekeeper.net.urls`: the URL rule (https anywhere, plain http only to loopback) and
  :func:`redact`, the one function that masks URL credentials and tokens in messages.
- :mod:`~gatekeeper.net.retry`: the one retry policy (attempts, backoff, Retry-After, deadline).
- :mod:`~gatekeeper.net.errors`: the one mapping of network failures to our exception tree.
- :mod:`~gatekeeper.net.http`: the httpx client factory and :func:`~gatekeeper.net.http.fetch`.
- :mod:`~gatekeeper.net.session`: the same policy as a ``requests`` session, for hvac.

This package imports neither httpx nor requests; its submodules import them when used.
"""

from gatekeeper.net.urls import check_url, is_loopback, redact

__all__ = ["check_url", "is_loopback", "redact"]
