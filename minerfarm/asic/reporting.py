"""The ASIC sentry's link to the commander: enroll, then one report per polling round.

The commander URL, token and rig are kept in ``asic-sentry.json`` under ``commander`` (the
config keeps keys it does not know), the pinned certificate in ``commander.pem`` and the
outbox in ``spool.db`` beside it. Spooling, ordering, backoff and the 401/410 handling are the
CPU/GPU sentry's (:mod:`minerfarm.protocol.uplink`).

A round's ``asics`` are split over several reports (each its own ``seq``) when one report
would exceed :data:`REPORT_BYTES`: the commander refuses bodies over 1 MiB and upserts ASICs per
report, so chunks add up to the whole farm.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from minerfarm.protocol.client import CommanderClient, RigRemoved
from minerfarm.protocol.enrollment import enroll
from minerfarm.protocol.reports import Asic, utc_now
from minerfarm.protocol.spool import Spool, SpoolStats
from minerfarm.protocol.uplink import Backoff, Uplink, run_with_uplink

from .config import AsicSentryConfig, config_dir, load_config, save_config
from .errors import AsicConfigError
from .poller import Poller

log = logging.getLogger(__name__)

RIG_KIND = "asic"
PIN_FILE = "commander.pem"
SPOOL_FILE = "spool.db"
LINK_KEY = "commander"
REPORT_BYTES = 850_000  # one report's JSON; the batch around it stays under ~900 KB
MAX_ASICS_PER_REPORT = 10_000  # the protocol's limit


def link_of(config: AsicSentryConfig) -> dict[str, Any] | None:
    link = (config.model_extra or {}).get(LINK_KEY)
    return link if isinstance(link, dict) and link.get("url") and link.get("token") else None


def _set_link(config: AsicSentryConfig, link: dict[str, Any] | None) -> None:
    extra = config.model_extra
    assert extra is not None  # extra="allow"
    if link is None:
        extra.pop(LINK_KEY, None)
    else:
        extra[LINK_KEY] = link


async def enroll_asic_sentry(directory: str | Path | None, url: str,
                             token: str) -> dict[str, Any]:
    folder = config_dir(directory)
    enrolled = await enroll(url, token, folder / PIN_FILE, RIG_KIND)
    config = load_config(folder)
    previous = link_of(config)
    link = {"url": enrolled.url, "token": enrolled.token, "rig_id": enrolled.rig.get("id"),
            "rig_name": enrolled.rig.get("name")}
    _set_link(config, link)
    save_config(config, folder)
    if previous is None or (previous.get("url"), previous.get("rig_id")) != (
            link["url"], link["rig_id"]):
        with Spool(folder / SPOOL_FILE) as spool:
            spool.clear()  # reports of another rig must not go out as this one's
    return enrolled.rig


def chunk_asics(asics: list[Asic], limit: int = REPORT_BYTES) -> Iterator[list[dict[str, Any]]]:
    """The round's ASICs (JSON-ready) in groups whose JSON stays under ``limit`` bytes."""
    chunk: list[dict[str, Any]] = []
    size = 0
    for asic in asics:
        item = asic.model_dump(mode="json", exclude_none=True)
        item_size = len(json.dumps(item, separators=(",", ":"))) + 1
        if chunk and (size + item_size > limit or len(chunk) >= MAX_ASICS_PER_REPORT):
            yield chunk
            chunk, size = [], 0
        chunk.append(item)
        size += item_size
    if chunk:
        yield chunk


class AsicReporter:
    """Each interval: one :class:`Poller` round, then its reports into the uplink."""

    def __init__(self, uplink: Uplink, poller: Poller, interval_s: float) -> None:
        self.uplink, self.poller, self.interval_s = uplink, poller, interval_s

    async def report_round(self) -> int:
        ts = utc_now().isoformat().replace("+00:00", "Z")
        asics = await self.poller.poll()
        count = 0
        for chunk in chunk_asics(asics):
            seq = await self.uplink.next_seq()
            await self.uplink.submit(seq, {"seq": seq, "ts": ts, "asics": chunk})
            count += 1
        return count

    async def produce(self) -> None:
        loop = asyncio.get_running_loop()
        next_at = loop.time()
        while True:
            await self.report_round()
            next_at += self.interval_s
            delay = next_at - loop.time()
            if delay < 0:
                next_at, delay = loop.time(), 0.0
            await asyncio.sleep(delay)


async def run_asic_sentry(directory: str | Path | None, interval_s: float | None = None,
                          max_retry_s: float = 60.0) -> None:
    """Poll and report until 401/410 (raised; after a 410 the credentials are wiped)."""
    folder = config_dir(directory)
    config = load_config(folder)
    link = link_of(config)
    if link is None or not (folder / PIN_FILE).is_file():
        raise AsicConfigError(f"this ASIC sentry is not enrolled (no commander credentials in "
                              f"{folder}): run 'minerfarm asic-sentry enroll'")
    interval = interval_s or config.poll.interval_s
    spool = Spool(folder / SPOOL_FILE)
    client = CommanderClient(link["url"], link["token"], folder / PIN_FILE,
                             timeout=max(5.0, min(30.0, interval * 3)))
    uplink = Uplink(client, spool, backoff=Backoff(base_s=min(1.0, interval), max_s=max_retry_s))
    reporter = AsicReporter(uplink, Poller.from_config(config), interval)
    log.info("ASIC sentry for rig %s: %d ASIC(s), reporting to %s every %.1f s",
             link.get("rig_name"), len(config.asics), link["url"], interval)
    try:
        await run_with_uplink(uplink, reporter.produce)
    except RigRemoved:
        await asyncio.to_thread(spool.clear)
        await asyncio.to_thread(wipe_link, folder)
        raise
    finally:
        await client.aclose()
        spool.close()


def wipe_link(folder: Path) -> None:
    config = load_config(folder)
    _set_link(config, None)
    save_config(config, folder)
    (folder / PIN_FILE).unlink(missing_ok=True)


def spool_stats(directory: str | Path | None) -> SpoolStats | None:
    path = config_dir(directory) / SPOOL_FILE
    if not path.exists():
        return None
    with Spool(path) as spool:
        return spool.stats()
