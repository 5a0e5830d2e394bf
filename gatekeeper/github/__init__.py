"""Reporting to GitHub through github3.py: a commit status (or a check run with GitHub App
installation credentials) and one pull request comment, edited in place on later runs.

- :mod:`~gatekeeper.github.settings`: the Actions environment, read with pydantic-settings.
- :mod:`~gatekeeper.github.client`: github3.py on a session with the network layer's retry,
  and the mapping of github3.py's exceptions onto ours (exit 3).
- :mod:`~gatekeeper.github.summary`: the status description and the comment body.
- :mod:`~gatekeeper.github.publish`: what is written, and how a fork's read-only token degrades.

Nothing here imports github3.py, requests or pydantic at module level except where it is used.
"""
