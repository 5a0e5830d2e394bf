"""The ``workflows`` gate: GitHub Actions workflows, ``action.yml`` and composite actions.

:mod:`.files` finds and reads them (bounded, inside the repository) and parses each into YAML
nodes with line numbers; :mod:`.org` applies the organisation's own rules; :mod:`.zizmor` runs
zizmor offline on each file and maps its audits to stable rule IDs; :mod:`.gate` joins them.
"""
