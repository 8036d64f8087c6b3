"""The ASIC sentry's link to the commander: enroll, then one report per polling round.

The commander URL, token and rig are kept in ``asic-sentry.json`` under ``commander`` (the
config keeps keys it does not know), the pinned certificate in ``commander.pem`` and the
outbox in ``spool.db`` beside it. Spooling, ordering, backoff and the 401/410 handling are the
CPU/GPU sentry's (:mod:`minerfarm.agent.uplink`).

A round's ``asics`` are split over several reports (each its own ``seq``) when one report
would exceed :data:`REPORT_BYTES`: the commander refuses bodies over 1 MiB and upserts ASICs per
report, so chunks add up to the whole farm.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from minerfarm.agent.client import CommanderClient
from minerfarm.agent.link import SPOOL_FILE
from minerfarm.agent.session import enroll_into, open_client, open_uplink, report
from minerfarm.agent.spool import Spool
from minerfarm.agent.uplink import Uplink
from minerfarm.aio import every
from minerfarm.protocol.reports import Asic, utc_now

from ..gc_tuning import tune_gc
from .concurrency import freeze_fleet_state, raise_fd_limit
from .config import FILES, config_dir, load_config
from .poller import Poller

log = logging.getLogger(__name__)

REPORT_BYTES = 850_000  # one report's JSON; the batch around it stays under ~900 KB
MAX_ASICS_PER_REPORT = 10_000  # the protocol's limit


async def enroll_asic_sentry(directory: str | Path | None, url: str,
                             token: str) -> dict[str, Any]:
    return await enroll_into(FILES, config_dir(directory), url, token)


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
        self.rounds = 0

    async def report_round(self) -> int:
        ts = utc_now().isoformat().replace("+00:00", "Z")
        asics = await self.poller.poll()
        self.rounds += 1
        if self.rounds == 1:
            freeze_fleet_state()
        count = 0
        for chunk in chunk_asics(asics):
            seq = await self.uplink.next_seq()
            await self.uplink.submit(seq, {"seq": seq, "ts": ts, "asics": chunk})
            count += 1
        return count

    async def produce(self) -> None:
        await every(self.interval_s, self.report_round)


async def run_asic_sentry(directory: str | Path | None, interval_s: float | None = None,
                          max_retry_s: float = 60.0) -> None:
    """Poll and report until 401/410 (raised; after a 410 the credentials are wiped)."""
    folder = config_dir(directory)
    config = load_config(folder)
    link = FILES.require_link(config, folder)
    interval = interval_s or config.poll.interval_s
    spool = Spool(folder / SPOOL_FILE)
    client = open_client(CommanderClient, link, folder, interval)
    uplink = open_uplink(client, spool, interval, max_retry_s)
    raise_fd_limit()
    tune_gc()
    poller = Poller.from_config(config)
    reporter = AsicReporter(uplink, poller, interval)
    log.info("ASIC sentry for rig %s: %d ASIC(s), reporting to %s every %.1f s",
             link.rig_name, len(config.asics), link.url, interval)
    try:
        await report(FILES, folder, uplink, reporter.produce)
    finally:
        await poller.aclose()
