"""The event log of each rig and ASIC: what changed, when (``rig_events``).

- :mod:`.kinds` - every event kind, in one registry (``alert`` reserved for the alerts).
- :mod:`.detect` - transitions between two reports of a rig (pure).
- :mod:`.recorder` - follows the bus, writes events, publishes them, notices silent rigs.
- :mod:`.store` - write, page (the ``(at, id)`` cursor) and prune events.
- :mod:`.api`, :mod:`.pages` - ``GET /api/v1/rigs/{id}/events`` and the events pages.
"""
