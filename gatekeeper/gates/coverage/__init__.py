"""The coverage gate: ``gate`` runs or reads coverage.py data, ``data`` parses it, ``measure``
runs the test command under coverage, and ``findings`` turns gaps into findings."""
