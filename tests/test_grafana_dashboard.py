"""docs/grafana-dashboard.json asks only for series the commander serves (it cannot rot
silently when a series is renamed)."""

from __future__ import annotations

import json
import re
from pathlib import Path

DOCS = Path(__file__).resolve().parents[1] / "docs"
SERIES = Path(__file__).resolve().parents[1] / "minerfarm" / "commander" / "metrics" / "series.py"


def served() -> set[str]:
    names = set(re.findall(r'"(minerfarm_[a-z_]+)"', SERIES.read_text()))
    counters = {f"{prefix}_shares_{kind}_total" for prefix in ("minerfarm_miner", "minerfarm_asic")
                for kind in ("accepted", "rejected", "stale")}
    names |= counters | {"minerfarm_ingest_reports_stored_total"}
    return names


def test_every_dashboard_query_uses_served_series() -> None:
    dashboard = json.loads((DOCS / "grafana-dashboard.json").read_text())
    exprs = [target["expr"] for panel in dashboard["panels"] for target in panel["targets"]]
    assert len(exprs) >= 10
    available = served()
    for expr in exprs:
        for name in re.findall(r"\bminerfarm_[a-z_]+", expr):
            assert name in available, f"{name} in {expr!r} is not a served series"
