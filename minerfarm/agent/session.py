"""A sentry's life with the commander, the same for every sentry: enroll (pin, check, store the
link), then report until the commander says stop.

:class:`AgentFiles` is what one sentry passes in: its rig kind, config dir and config file, and
how it words "not enrolled". :func:`report` runs the sentry's producer beside the uplink and
ends only by raising:

- :class:`~minerfarm.agent.client.TokenInvalid` (401): the spool and credentials are kept;
  re-enroll with a valid token.
- :class:`~minerfarm.agent.client.RigRemoved` (410): the sentry's removal hook runs, then the
  spool is cleared and the link and pin wiped; the sentry waits for ``enroll`` with a new token.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, TypeVar

from minerfarm.agent.client import CommanderClient, RigRemoved
from minerfarm.agent.configfile import ConfigDir, ConfigFile
from minerfarm.agent.enrollment import enroll, same_commander
from minerfarm.agent.link import PIN_FILE, SPOOL_FILE, AgentConfig, CommanderLink
from minerfarm.agent.spool import Spool, SpoolStats
from minerfarm.agent.uplink import Uplink, run_with_uplink
from minerfarm.aio import Backoff

C = TypeVar("C", bound=AgentConfig)
Client = TypeVar("Client", bound=CommanderClient)


@dataclass(frozen=True)
class AgentFiles(Generic[C]):
    """One sentry's names: everything else about the link is shared."""

    rig_kind: str  # the commander's rig ``kind`` this sentry enrolls as
    dirs: ConfigDir
    config: ConfigFile[C]
    not_enrolled: Callable[[Path], Exception]  # the sentry's error, worded for its CLI

    def load(self, directory: Path) -> C:
        return self.config.load(directory)

    def save(self, config: C, directory: Path) -> Path:
        return self.config.save(config, directory)

    def require_link(self, config: C, directory: Path) -> CommanderLink:
        link = config.link
        if link is None or not (directory / PIN_FILE).is_file():
            raise self.not_enrolled(directory)
        return link

    def wipe_link(self, directory: Path) -> None:
        """Forget the token and the pinned certificate (the rig was removed)."""
        config = self.load(directory)
        config.commander = None
        self.save(config, directory)
        (directory / PIN_FILE).unlink(missing_ok=True)


async def enroll_into(files: AgentFiles[C], directory: Path, url: str,
                      token: str) -> dict[str, Any]:
    """Pin, check the token with ``GET /hello``, store the link; the rig. ``url`` may list
    several commanders of one farm, comma-separated: the first is enrolled with, each other
    one must present the same certificate (it is tried when the first is down)."""
    first, *others = [part.strip() for part in url.split(",") if part.strip()] or [url]
    enrolled = await enroll(first, token, directory / PIN_FILE, files.rig_kind)
    fallbacks = [await same_commander(other, enrolled.cert_pem) for other in others]
    config = files.load(directory)
    previous = config.link
    link = CommanderLink(url=enrolled.url, token=enrolled.token, fallback_urls=fallbacks,
                         rig_id=enrolled.rig.get("id"), rig_name=enrolled.rig.get("name"))
    config.commander = link
    files.save(config, directory)
    with Spool(directory / SPOOL_FILE) as spool:
        if previous is None or (previous.url, previous.rig_id) != (link.url, link.rig_id):
            # reports spooled for another rig or commander must not be sent as this one's
            spool.clear()
        if enrolled.last_seq is not None:
            # a reinstalled sentry (new spool) numbers its reports above what the commander
            # has, else they are dropped there as duplicates of the old install's
            spool.seq_above(enrolled.last_seq)
    return enrolled.rig


def open_client(client_class: type[Client], link: CommanderLink, directory: Path,
                interval_s: float) -> Client:
    """A client for ``link``, its timeout scaled to the reporting interval."""
    return client_class(link.url, link.token, directory / PIN_FILE,
                        timeout=max(5.0, min(30.0, interval_s * 3)),
                        fallbacks=tuple(link.fallback_urls))


def open_uplink(client: CommanderClient, spool: Spool, interval_s: float,
                max_retry_s: float) -> Uplink:
    return Uplink(client, spool, backoff=Backoff(base_s=min(1.0, interval_s), max_s=max_retry_s))


async def report(files: AgentFiles[C], directory: Path, uplink: Uplink,
                 producer: Callable[[], Coroutine[Any, Any, None]], *,
                 on_removed: Callable[[], Awaitable[None]] | None = None) -> None:
    """Run ``producer`` beside ``uplink`` until one raises (see the module docstring); the
    uplink's client and spool are closed on the way out."""
    try:
        await run_with_uplink(uplink, producer)
    except RigRemoved:
        if on_removed is not None:
            await on_removed()
        await asyncio.to_thread(uplink.spool.clear)
        await asyncio.to_thread(files.wipe_link, directory)
        raise
    finally:
        await uplink.client.aclose()
        uplink.spool.close()


def spool_stats(directory: Path) -> SpoolStats | None:
    """The spool's figures for ``status``; None when nothing was ever spooled."""
    if not (directory / SPOOL_FILE).exists():
        return None
    with Spool(directory / SPOOL_FILE) as spool:
        return spool.stats()
