"""The ``secrets`` gate: credentials committed to a repository or its history.

:mod:`.detect` finds secrets in text and masks them, :mod:`.history` walks the commits, and
:mod:`.gate` reads the tracked files and turns both into findings.
"""
