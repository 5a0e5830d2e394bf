"""The ``sast`` gate: bandit's tests on the repository's Python code, judged by gatekeeper.

:mod:`.rules` holds the rules (bandit's test IDs and our own), :mod:`.engine` runs bandit as a
library on one chunk of files (in worker processes), :mod:`.cache` keeps each file's result,
:mod:`.suppress` reads ``# nosec`` comments, and :mod:`.gate` puts them together.
"""
