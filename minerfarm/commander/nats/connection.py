"""Connecting to NATS: one connection per commander, errors translated once."""

from __future__ import annotations

import logging

import nats
from nats.aio.client import Client
from nats.errors import Error as NatsError

log = logging.getLogger(__name__)


class NatsUnavailable(RuntimeError):
    """NATS could not be reached or has no JetStream: the commander cannot serve."""


async def connect(url: str, timeout_s: float, name: str) -> Client:
    async def disconnected() -> None:
        log.warning("NATS %s: disconnected; reconnecting (sentries spool meanwhile)", url)

    async def reconnected() -> None:
        log.warning("NATS %s: reconnected", url)

    try:
        client = await nats.connect(
            url, name=name, connect_timeout=timeout_s, allow_reconnect=True,
            max_reconnect_attempts=-1, reconnect_time_wait=1,
            disconnected_cb=disconnected, reconnected_cb=reconnected)
    except (OSError, TimeoutError, NatsError) as exc:
        raise NatsUnavailable(
            f"cannot reach NATS at {url} ({type(exc).__name__}: {exc}); start nats-server "
            f"with JetStream (-js) or fix MINERFARM_NATS_URL") from None
    try:
        await client.jetstream().account_info()
    except (TimeoutError, NatsError) as exc:
        await client.close()
        raise NatsUnavailable(
            f"NATS at {url} has no JetStream ({type(exc).__name__}: {exc}); start nats-server "
            f"with -js (or jetstream {{}} in its config)") from None
    return client
