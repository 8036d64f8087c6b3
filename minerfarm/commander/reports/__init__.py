"""Stored reports: what a report's JSON says (:mod:`.figures`) and reading them back in pages
that lose nothing (:mod:`.paging`). Used by the consumer, the dashboard, rollups and pages."""
