"""Dependency discovery: one module per source, each returning :class:`Dependency` values.

The pinned-lockfile hot path uses only :mod:`packaging` and :mod:`tomllib`; pip-audit is imported
lazily, and only by the installed-environment source when a venv is audited.
"""
