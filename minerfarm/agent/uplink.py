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
- 429 (the commander's per-rig budget): wait the ``Retry-After`` it gives, then resend; the
  reports stay spooled, none is dropped.
- At start, before sending anything, ``GET /hello`` tells the commander's last stored ``seq``:
  this run's reports are numbered above it (:meth:`Spool.seq_above`), so a reinstalled
  sentry's reports are stored, not dropped as duplicates of the old install's.
- Another 4xx for a batch: resend its reports one by one; a single report refused as it is
  is dropped (logged, counted), so one bad report never blocks the queue.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
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
        self._first_seq: int | None = None  # the first seq numbered by this run
        self._moved: tuple[int, int] | None = None  # (shift, up to seq) from the start sync

    async def next_seq(self) -> int:
        seq = await asyncio.to_thread(self.spool.next_seq)
        if self._first_seq is None:
            self._first_seq = seq
        return seq

    async def submit(self, seq: int, report: dict[str, Any]) -> None:
        """Spool one report (with its ``seq``) durably, then let the sender have it."""
        if self._moved is not None and self._first_seq is not None:
            shift, upto = self._moved
            if self._first_seq <= seq <= upto:  # reserved before the start sync moved them
                seq += shift
        body = json.dumps({**report, "seq": seq}, separators=(",", ":"))
        dropped = await asyncio.to_thread(self.spool.put, seq, body)
        if dropped:
            log.warning("spool full or too old: dropped the %d oldest unsent report(s) "
                        "(bounds: %d bytes, %.0f s)", dropped, self.spool.max_bytes,
                        self.spool.max_age_s)
        self._wake.set()

    async def run(self) -> None:
        """Send forever; returns only by raising ``TokenInvalid`` or ``RigRemoved``."""
        await self.sync_seq()
        self._wake.set()  # whatever an earlier run left in the spool goes first
        while True:
            await self._wake.wait()
            self._wake.clear()
            while await self.flush_once():
                pass

    async def sync_seq(self) -> None:
        """Number this run's reports above the commander's last stored seq (retrying while
        the commander is away: nothing is sent before this)."""
        while True:
            try:
                _, last_seq = await self.client.hello_and_last_seq()
                break
            except (CommanderUnreachable, CertificateMismatch) as exc:
                delay = self._delay(exc)
                log.warning("%s; retrying in %.1f s", exc, delay)
                await asyncio.sleep(delay)
            except RequestRejected as exc:
                log.warning("%s; reports keep their seq", exc)
                return
        self.backoff.reset()
        if last_seq is None:
            return
        shift, upto = await asyncio.to_thread(self.spool.seq_above, last_seq, self._first_seq)
        if shift:
            self._moved = (shift, upto)
            log.warning("the commander already has reports up to seq %d (a reinstalled "
                        "sentry?): this run's reports are numbered from %d", last_seq,
                        last_seq + 1)

    def _delay(self, exc: Exception) -> float:
        """The commander's Retry-After when it sent one (429), else the next backoff."""
        if isinstance(exc, CommanderUnreachable) and exc.retry_after is not None:
            return exc.retry_after + random.uniform(0, 0.5)  # jitter
        return self.backoff.next()

    async def flush_once(self) -> bool:
        """Send one batch; True if the spool may hold more to send now, False when it is
        empty or after waiting out a backoff delay."""
        limit = 1 if self._singles else self.batch_reports
        batch = await asyncio.to_thread(self.spool.peek, limit, self.batch_bytes)
        if not batch:
            return False
        try:
            # the spool's seq wins over the body's: the start sync may have moved it
            ack = await self.client.post_reports(
                {"reports": [{**json.loads(r.body), "seq": r.seq} for r in batch]})
        except (CommanderUnreachable, CertificateMismatch) as exc:
            delay = self._delay(exc)
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
