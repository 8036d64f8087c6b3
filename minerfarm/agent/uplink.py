"""The sentries' way to the commander: spool every report, send the spool in order, back off.

:class:`Uplink` is shared by the CPU/GPU and the ASIC sentry. ``submit`` writes a report to the
:class:`~minerfarm.agent.spool.Spool` (so it survives a crash or a commander outage) and
wakes the sender; :meth:`Uplink.run` sends the oldest reports in batches, in ``seq`` order,
and deletes them once the commander acknowledged them (202 means durable there; the commander
deduplicates on ``(rig, seq)``, so a batch resent after a lost answer is stored once).

- Commander unreachable, 5xx, or presenting another certificate than the pinned one: keep
  spooling, retry after an exponential backoff with jitter (a changed certificate is logged as
  an error each time: nothing is ever sent to it).
- 401 :class:`~.client.TokenInvalid` and 410 :class:`~.client.RigRemoved` end :meth:`run`;
  the sentry's runtime decides what to do.
- Another 4xx for a batch: resend its reports one by one; a single report refused as it is
  is dropped (logged, counted), so one bad report never blocks the queue.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable, Coroutine
from typing import Any

from minerfarm.agent.client import (
    CertificateMismatch,
    CommanderClient,
    CommanderUnreachable,
    RequestRejected,
)
from minerfarm.agent.spool import Spool, Spooled
from minerfarm.aio import Backoff, task_group

log = logging.getLogger(__name__)

BATCH_REPORTS = 200
BATCH_BYTES = 900_000  # under the commander's default 1 MiB body limit


class Uplink:
    def __init__(self, client: CommanderClient, spool: Spool, *,
                 backoff: Backoff | None = None, batch_reports: int = BATCH_REPORTS,
                 batch_bytes: int = BATCH_BYTES) -> None:
        self.client, self.spool = client, spool
        self.backoff = backoff or Backoff()
        self.batch_reports, self.batch_bytes = batch_reports, batch_bytes
        self._wake = asyncio.Event()
        self._singles = 0  # reports to send one by one, after a refused batch

    async def next_seq(self) -> int:
        return await asyncio.to_thread(self.spool.next_seq)

    async def submit(self, seq: int, report: dict[str, Any]) -> None:
        """Spool one report (with its ``seq``) durably, then let the sender have it."""
        body = json.dumps(report, separators=(",", ":"))
        dropped = await asyncio.to_thread(self.spool.put, seq, body)
        if dropped:
            log.warning("spool full or too old: dropped the %d oldest unsent report(s) "
                        "(bounds: %d bytes, %.0f s)", dropped, self.spool.max_bytes,
                        self.spool.max_age_s)
        self._wake.set()

    async def run(self) -> None:
        """Send forever; returns only by raising ``TokenInvalid`` or ``RigRemoved``."""
        self._wake.set()  # whatever an earlier run left in the spool goes first
        while True:
            await self._wake.wait()
            self._wake.clear()
            while await self.flush_once():
                pass

    async def flush_once(self) -> bool:
        """Send one batch; True if the spool may hold more to send now, False when it is
        empty or after waiting out a backoff delay."""
        limit = 1 if self._singles else self.batch_reports
        batch = await asyncio.to_thread(self.spool.peek, limit, self.batch_bytes)
        if not batch:
            return False
        try:
            ack = await self.client.post_reports({"reports": [json.loads(r.body) for r in batch]})
        except (CommanderUnreachable, CertificateMismatch) as exc:
            delay = self.backoff.next()
            level = logging.ERROR if isinstance(exc, CertificateMismatch) else logging.WARNING
            log.log(level, "%s; %d report(s) spooled, retrying in %.1f s", exc,
                    (await asyncio.to_thread(self.spool.stats)).count, delay)
            await asyncio.sleep(delay)
            return True
        except RequestRejected as exc:
            await self._rejected(batch, exc)
            return True
        await asyncio.to_thread(self.spool.ack, batch)
        self._singles = max(0, self._singles - len(batch))
        self.backoff.reset()
        log.debug("sent %d report(s) up to seq %d: %s", len(batch), batch[-1].seq, ack)
        return True

    async def _rejected(self, batch: list[Spooled], exc: RequestRejected) -> None:
        if len(batch) > 1:
            log.warning("%s; resending those %d reports one by one", exc, len(batch))
            self._singles = len(batch)
            return
        log.error("%s; dropping report seq %d", exc, batch[0].seq)
        await asyncio.to_thread(self.spool.drop, batch)
        self._singles = max(0, self._singles - 1)


async def run_with_uplink(uplink: Uplink,
                          producer: Callable[[], Coroutine[Any, Any, None]]) -> None:
    """Run ``producer`` (a loop that submits reports) beside the uplink's sender until one of
    them raises; that error (``TokenInvalid``, ``RigRemoved``, ...) is raised as it is, not in
    an ``ExceptionGroup``."""
    async with task_group() as group:
        group.create_task(uplink.run(), name="uplink-sender")
        group.create_task(producer(), name="report-producer")
