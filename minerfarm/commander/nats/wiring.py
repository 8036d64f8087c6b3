"""The NATS parts of a commander, opened at start-up when ``MINERFARM_NATS_URL`` is set."""

from __future__ import annotations

from dataclasses import dataclass

from nats.aio.client import Client
from sqlalchemy.ext.asyncio import AsyncEngine

from minerfarm.commander.auth.ratelimit import LoginLimiter
from minerfarm.commander.ingest.deadletter import bury_message
from minerfarm.commander.nats.connection import connect
from minerfarm.commander.nats.lease import Lease
from minerfarm.commander.nats.logins import SharedLoginLimiter
from minerfarm.commander.nats.pubsub import NatsPubSub
from minerfarm.commander.nats.queue import JetStreamIngestQueue
from minerfarm.commander.reports.compaction import stored_seqs
from minerfarm.commander.settings import Settings


@dataclass
class NatsParts:
    client: Client
    queue: JetStreamIngestQueue
    pubsub: NatsPubSub
    jobs: Lease
    logins: SharedLoginLimiter

    async def close(self) -> None:
        await self.queue.close()
        await self.pubsub.close()
        await self.client.drain()


async def open_nats(settings: Settings, engine: AsyncEngine) -> NatsParts:
    client = await connect(settings.nats_url, settings.database_timeout_s,
                           name=f"minerfarm-commander:{settings.port}")

    async def already_stored(rig_id: int, seqs: list[int]) -> set[int]:
        async with engine.connect() as conn:
            return await stored_seqs(conn, rig_id, seqs)  # raw or packed in a block

    async def poison(data: bytes, reason: str) -> None:
        await bury_message(engine, data, reason)

    queue = JetStreamIngestQueue(
        client, prefix=settings.nats_prefix, duplicate_window_s=settings.nats_duplicate_window_s,
        max_bytes=settings.nats_queue_max_bytes, ack_wait_s=settings.nats_ack_wait_s,
        publish_timeout_s=10.0, already_stored=already_stored, poison=poison)
    await queue.open()
    pubsub = NatsPubSub(client, settings.nats_prefix)
    await pubsub.start()
    jobs = Lease(client, "jobs", settings.lease_ttl_s, settings.nats_prefix)
    logins = SharedLoginLimiter(
        client, LoginLimiter(settings.login_attempts, settings.login_backoff_max_s),
        f"{settings.nats_prefix}_logins")
    return NatsParts(client, queue, pubsub, jobs, logins)
