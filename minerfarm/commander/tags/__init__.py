"""Tags on rigs and ASIC sentries: labels the index filters by, bulk actions and (later) alert
rules select rigs by.

- :mod:`.rules` - what a tag may be, parsing a typed list, matching a selector (pure).
- :mod:`.store` - the ``rig_tags`` table: read, replace, :func:`~.store.rigs_matching`.
- :mod:`.api` - ``GET``/``PUT /api/v1/rigs/{id}/tags``.

A tag is a plain label, by convention ``key:value`` (``site:berlin``, ``rack:a3``,
``owner:ana``) or a bare word (``spare``). Plain labels, not a key/value schema: one filter box
and one selector syntax serve both, an operator needs no key declared before tagging, and
``key:value`` still reads as a key and a value where that helps (an alert rule for
``site:berlin``). Tags are compared lower-cased (``Site:Berlin`` is ``site:berlin``).
"""
