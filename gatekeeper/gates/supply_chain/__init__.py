"""The ``supply_chain`` gate: typosquats, known-malicious names, pinning, dependency confusion
and the dependency budget.

:mod:`.typosquat` matches names against the shipped popular-name list, :mod:`.indexes` finds
extra indexes committed to the repository, :mod:`.gate` turns both and the dependencies into
findings.
"""
