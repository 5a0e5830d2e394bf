"""``gatekeeper inventory``: one row per Python service of a GitHub organisation (the book's
Table 10-1), read through the contents API without cloning.

- :mod:`~gatekeeper.inventory.model`: a row and the whole inventory.
- :mod:`~gatekeeper.inventory.cache`: the ETag cache that makes a rerun mostly 304s.
- :mod:`~gatekeeper.inventory.fetch`: the repositories and their files, concurrently.
- :mod:`~gatekeeper.inventory.analyse`: a row from one repository's files.
- :mod:`~gatekeeper.inventory.enrich`: the internal index's latest versions, the advisories.
- :mod:`~gatekeeper.inventory.render` and :mod:`~gatekeeper.inventory.html`: the outputs.
"""
