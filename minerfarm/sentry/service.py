"""What ``minerfarm sentry enroll|run|status`` do, without the command line.

``run`` ends only by raising: :class:`~minerfarm.protocol.client.TokenInvalid` (401: the spool
and credentials are kept, re-enroll with a valid token) or
:class:`~minerfarm.protocol.client.RigRemoved` (410: the removal hook ran, the credentials and
the spool are gone; the sentry waits for ``enroll`` with a new token).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from minerfarm.protocol.client import RigRemoved
from minerfarm.protocol.enrollment import enroll
from minerfarm.protocol.spool import Spool, SpoolStats
from minerfarm.protocol.uplink import Backoff, Uplink, run_with_uplink
from minerfarm.sentry.config import (
    PIN_FILE,
    SPOOL_FILE,
    CommanderLink,
    SentryConfig,
    load_config,
    require_link,
    save_config,
    wipe_credentials,
)
from minerfarm.sentry.playbooks.agent import PlaybookAgent, alongside
from minerfarm.sentry.playbooks.client import PlaybookClient
from minerfarm.sentry.removal import RigRemovalHook
from minerfarm.sentry.runtime import SentryRuntime
from minerfarm.sentry.targets import ConfigMiners, MinerSource

log = logging.getLogger(__name__)
RIG_KIND = "cpu_gpu"


async def enroll_sentry(directory: Path, url: str, token: str) -> dict[str, Any]:
    """Pin, check the token with ``GET /hello``, store the credentials; the rig."""
    enrolled = await enroll(url, token, directory / PIN_FILE, RIG_KIND)
    config = load_config(directory)
    previous = config.commander
    config.commander = CommanderLink(url=enrolled.url, token=enrolled.token,
                                     rig_id=enrolled.rig.get("id"),
                                     rig_name=enrolled.rig.get("name"))
    save_config(config, directory)
    if previous is None or previous.url != enrolled.url or (
            previous.rig_id != config.commander.rig_id):
        # reports spooled for another rig or commander must not be sent as this one's
        with Spool(directory / SPOOL_FILE) as spool:
            spool.clear()
    return enrolled.rig


@dataclass(frozen=True)
class RunOptions:
    interval_s: float | None = None  # None: the config's
    max_retry_s: float = 60.0


async def run_sentry(directory: Path, options: RunOptions,
                     extra_sources: Sequence[MinerSource] = (),
                     removal_hook: RigRemovalHook | None = None) -> None:
    config = load_config(directory)
    link = require_link(config, directory)
    interval = options.interval_s or config.interval_s
    spool = _spool(directory, config)
    client = PlaybookClient(link.url, link.token, directory / PIN_FILE,
                            timeout=max(5.0, min(30.0, interval * 3)))
    playbooks = PlaybookAgent(client, directory)
    uplink = Uplink(client, spool, backoff=Backoff(base_s=min(1.0, interval),
                                                   max_s=options.max_retry_s))
    runtime = SentryRuntime(uplink, [ConfigMiners(config.miners), playbooks, *extra_sources],
                            interval_s=interval)
    log.info("sentry for rig %s reporting to %s every %.1f s", link.rig_name, link.url, interval)
    try:
        await run_with_uplink(uplink, lambda: alongside(runtime.produce(), playbooks.run()))
    except RigRemoved:
        hook = removal_hook or playbooks
        await hook.remove_everything()
        await asyncio.to_thread(spool.clear)
        await asyncio.to_thread(wipe_credentials, directory)
        raise
    finally:
        await client.aclose()
        runtime.hardware.close()
        spool.close()


def _spool(directory: Path, config: SentryConfig) -> Spool:
    return Spool(directory / SPOOL_FILE, max_age_s=config.spool_max_age_s,
                 max_bytes=config.spool_max_bytes)


def spool_stats(directory: Path, config: SentryConfig) -> SpoolStats | None:
    if not (directory / SPOOL_FILE).exists():
        return None
    with _spool(directory, config) as spool:
        return spool.stats()
