"""``GET /metrics`` for a Prometheus server (bearer token) or the admin (Basic or session).

The event loop only takes a snapshot of the in-memory farm model (O(rigs) reads); the series
are built and formatted in a thread, so a 5,000-ASIC scrape does not hold up ingest.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from datetime import UTC, datetime

from prometheus_client import generate_latest
from prometheus_client.core import Metric
from prometheus_client.registry import Collector, CollectorRegistry
from quart import Blueprint, Response

from minerfarm.commander.ingest import deadletter
from minerfarm.commander.metrics.series import FarmView, Internals, farm_families, snapshot
from minerfarm.commander.state import CommanderState, commander_state

ENDPOINT = "metrics.scrape"
# The text format every Prometheus 2.x and Grafana Agent reads (what generate_latest writes).
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


class _Snapshot(Collector):
    def __init__(self, families: Iterable[Metric]) -> None:
        self.families = list(families)

    def collect(self) -> Iterable[Metric]:
        return self.families


def exposition(view: FarmView) -> bytes:
    """The scrape's text, from a snapshot (runs in a thread)."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_Snapshot(farm_families(view)))
    return generate_latest(registry)


async def internals(state: CommanderState) -> Internals:
    depth = await state.queue.backlog() if state.queue is not None else None
    dead = await deadletter.count(state.engine) if state.engine is not None else None
    stored = state.consumer.stored if state.consumer is not None else 0
    return Internals(depth, stored, dead, state.websockets_open)


def blueprint() -> Blueprint:
    bp = Blueprint("metrics", __name__)

    @bp.get("/metrics")
    async def scrape() -> Response:
        state = commander_state()
        if state.aggregator is None:
            return Response("commander is starting\n", 503, content_type="text/plain")
        view = snapshot(state.aggregator, await internals(state), datetime.now(UTC))
        body = await asyncio.to_thread(exposition, view)
        return Response(body, 200, content_type=CONTENT_TYPE)

    return bp
