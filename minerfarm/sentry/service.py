"""What ``minerfarm sentry enroll|run|status`` do, without the command line.

``run`` ends only by raising: :class:`~minerfarm.agent.client.TokenInvalid` (401: the spool
and credentials are kept, re-enroll with a valid token) or
:class:`~minerfarm.agent.client.RigRemoved` (410: the removal hook ran, the credentials and
the spool are gone; the sentry waits for ``enroll`` with a new token). The link itself (enroll,
uplink, 410 wipe) is the shared core's: :mod:`minerfarm.agent.session`.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from minerfarm.agent.session import enroll_into, open_client, open_uplink, report
from minerfarm.agent.spool import Spool
from minerfarm.aio import alongside
from minerfarm.sentry.actions.executor import ActionPolicy
from minerfarm.sentry.config import FILES, SPOOL_FILE, load_config
from minerfarm.sentry.playbooks.agent import PlaybookAgent
from minerfarm.sentry.playbooks.client import PlaybookClient
from minerfarm.sentry.removal import RigRemovalHook
from minerfarm.sentry.runtime import SentryRuntime
from minerfarm.sentry.targets import ConfigMiners, MinerSource

log = logging.getLogger(__name__)


async def enroll_sentry(directory: Path, url: str, token: str) -> dict[str, Any]:
    """Pin, check the token with ``GET /hello``, store the credentials; the rig."""
    return await enroll_into(FILES, directory, url, token)


@dataclass(frozen=True)
class RunOptions:
    interval_s: float | None = None  # None: the config's
    max_retry_s: float = 60.0


async def run_sentry(directory: Path, options: RunOptions,
                     extra_sources: Sequence[MinerSource] = (),
                     removal_hook: RigRemovalHook | None = None) -> None:
    config = load_config(directory)
    link = FILES.require_link(config, directory)
    interval = options.interval_s or config.interval_s
    spool = Spool(directory / SPOOL_FILE, max_age_s=config.spool_max_age_s,
                  max_bytes=config.spool_max_bytes)
    client = open_client(PlaybookClient, link, directory, interval)
    playbooks = PlaybookAgent(client, directory, actions=ActionPolicy(
        allow_reboot=config.allow_reboot, reboot_command=tuple(config.reboot_command)))
    uplink = open_uplink(client, spool, interval, options.max_retry_s)
    runtime = SentryRuntime(uplink, [ConfigMiners(config.miners), playbooks, *extra_sources],
                            interval_s=interval)
    log.info("sentry for rig %s reporting to %s every %.1f s", link.rig_name, link.url, interval)
    hook = removal_hook or playbooks
    try:
        await report(FILES, directory, uplink,
                     lambda: alongside(runtime.produce(), playbooks.run()),
                     on_removed=hook.remove_everything)
    finally:
        runtime.hardware.close()
