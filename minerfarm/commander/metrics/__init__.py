"""``GET /metrics``: the farm and the commander in Prometheus' text format.

- :mod:`.series` turns the farm model (the dashboard's digests, already in memory) into metric
  families at scrape time: nothing is counted per report, so ingest pays nothing for it.
- :mod:`.token`: the bearer token a Prometheus server scrapes with (stored hashed).
- :mod:`.route`: the endpoint; the guard lets it authenticate itself (token or admin Basic).
"""
