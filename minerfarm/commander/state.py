"""The running commander's parts, reachable from any request as ``commander_state()``."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from quart import current_app

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

    from minerfarm.commander.actions.service import ActionService
    from minerfarm.commander.auth.password import AdminPassword
    from minerfarm.commander.auth.ratelimit import LoginLimits
    from minerfarm.commander.auth.tokens import TokenCache
    from minerfarm.commander.dashboard.aggregator import FarmAggregator
    from minerfarm.commander.events.recorder import EventRecorder
    from minerfarm.commander.ingest.consumer import IngestConsumer
    from minerfarm.commander.ingest.queue import IngestQueue
    from minerfarm.commander.metrics.token import MetricsToken
    from minerfarm.commander.pubsub import PubSub
    from minerfarm.commander.settings import Settings


@dataclass
class CommanderState:
    settings: Settings
    password: AdminPassword
    fingerprint: bytes
    limiter: LoginLimits  # in memory, or shared over NATS by several commanders
    pubsub: PubSub
    token_cache: TokenCache
    actions: ActionService  # remote actions on CPU/GPU rigs (alert rules call it too)
    engine: AsyncEngine | None = None
    sessions: async_sessionmaker[AsyncSession] | None = None
    queue: IngestQueue | None = None
    consumer: IngestConsumer | None = None
    aggregator: FarmAggregator | None = None
    metrics_token: MetricsToken | None = None
    websockets_open: int = 0  # live pages, for /metrics
    events: EventRecorder | None = None
    extras: dict[str, Any] = field(default_factory=dict)

    def db(self) -> AsyncSession:
        """A new ORM session (``async with state.db() as session``)."""
        if self.sessions is None:
            raise RuntimeError("commander is not serving yet")
        return self.sessions()


EXTENSION = "minerfarm"


def commander_state() -> CommanderState:
    state: CommanderState = current_app.extensions[EXTENSION]
    return state
