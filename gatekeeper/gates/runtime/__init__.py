"""The ``runtime`` gate: which Python a repository targets, and its support generation.

:mod:`.detect` finds the versions (each with its file and line), :mod:`.gate` judges them
against the release table in :mod:`gatekeeper.runtime_table`.
"""
