"""The ingest queue on NATS JetStream: any number of commanders, one durable queue.

- **Stream** ``<PREFIX>_REPORTS`` (file storage, work-queue retention, subjects
  ``<prefix>.reports.>``): one message per report, published with
  ``Nats-Msg-Id: <rig>:<seq>``. The 202 is sent after every report's publish ack, so an
  acknowledged report is on the JetStream server's disk before the sentry forgets it.
- **One subject**, ``<prefix>.reports.all``, for every rig. The server tracks each subject's
  first message; removing an acked message whose subject's next message lies a thousand
  messages further (one subject per rig, rigs interleaved) scans that far: measured 149 µs
  of server CPU per report with 1,000 rig subjects against 16 µs with one (nats-server 2.9),
  which held the drain to a few thousand reports/s. Messages on the per-rig subjects of
  older versions are still consumed.
- **Duplicates**: within the stream's duplicate window the ack's ``duplicate`` flag says so;
  a report older than the window (by its own ``ts``) is looked up in the database first.
  Either way the consumer's insert ignores a ``(rig, seq)`` already stored, so a report is
  stored once even where the answer's count could not tell.
- **Consumer** ``<prefix>-ingest``: one durable pull consumer shared by every commander,
  read in big batches by :class:`~.pull.Puller`. A message is acked after the database
  commit of its batch; a commander killed before that
  leaves it unacked, and JetStream delivers it again (to any commander) after ``ack_wait``.
  A message that cannot be decoded is terminated and kept as a dead letter.
- **Full stream** (``max_bytes``, discard new): publishing fails, the sentry gets a 503 and
  keeps the reports in its spool.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from itertools import repeat

from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.errors import Error as NatsError
from nats.js import api
from nats.js.errors import BadRequestError, NotFoundError

from minerfarm.commander.errors import ApiError
from minerfarm.commander.ingest.queue import (
    IncomingReport,
    Poison,
    QueueClosed,
    QueuedBatch,
    QueueUnavailable,
    decode_message,
    encode_message,
)
from minerfarm.commander.nats.pull import Puller, stream_sequence

log = logging.getLogger(__name__)
HEADROOM = 1024  # headers and the message's own header line, below the server's max_payload
ACK_SLICE = 1000  # acks sent between two turns of the event loop
PULL_BYTES = 64 * 1024 * 1024  # at most this much per pull (an ASIC sentry's reports are big)

AlreadyStored = Callable[[int, list[int]], Awaitable[set[int]]]
"""``(rig_id, seqs) -> the seqs of those already in the database``."""


class JetStreamIngestQueue:
    # Into PostgreSQL, 50,000 drained ~4 % slower than this (bench [6], back to back).
    batch = 20_000

    def __init__(self, client: Client, *, prefix: str, duplicate_window_s: float,
                 max_bytes: int,
                 ack_wait_s: float, publish_timeout_s: float, already_stored: AlreadyStored,
                 poison: Poison) -> None:
        self._client, self._js = client, client.jetstream(timeout=publish_timeout_s)
        self.duplicate_window_s, self.max_bytes = duplicate_window_s, max_bytes
        self.ack_wait_s, self.publish_timeout_s = ack_wait_s, publish_timeout_s
        self._already_stored, self._poison = already_stored, poison
        self._puller: Puller | None = None
        self._inflight: dict[int, Msg] = {}
        self._ahead: asyncio.Future[list[QueuedBatch]] | None = None  # the next take's
        self._left: list[QueuedBatch] = []  # taken ahead, beyond a smaller take's limit
        self._acking: asyncio.Future[None] | None = None  # the last done's acks, being sent
        self._closed = False
        self.stream, self.durable = f"{prefix.upper()}_REPORTS", f"{prefix}-ingest"
        self._subjects = f"{prefix}.reports"
        self.subject = f"{self._subjects}.all"  # every rig's reports (see the module's doc)

    async def open(self) -> None:
        """Create (or adopt) the stream and the shared consumer."""
        config = api.StreamConfig(
            name=self.stream, subjects=[f"{self._subjects}.>"], storage=api.StorageType.FILE,
            retention=api.RetentionPolicy.WORK_QUEUE, discard=api.DiscardPolicy.NEW,
            duplicate_window=self.duplicate_window_s, max_bytes=self.max_bytes)
        try:
            await self._js.stream_info(self.stream)
            await self._js.update_stream(config)
        except NotFoundError:
            await self._js.add_stream(config)
        except BadRequestError as exc:  # e.g. a retention a stream cannot change
            log.warning("NATS stream %s kept as it is (%s)", self.stream, exc)
        try:
            await self._js.consumer_info(self.stream, self.durable)
        except NotFoundError:
            await self._js.add_consumer(self.stream, api.ConsumerConfig(
                durable_name=self.durable, filter_subject=f"{self._subjects}.>",
                ack_policy=api.AckPolicy.EXPLICIT, ack_wait=self.ack_wait_s,
                max_ack_pending=-1, max_deliver=-1))
        self._puller = Puller(self._client, self.stream, self.durable)
        await self._puller.start()

    # -- producer side -------------------------------------------------------------------
    async def put(self, rig_id: int, reports: list[IncomingReport],
                  kind: str | None = None) -> tuple[int, int]:
        if self._closed:
            raise QueueClosed("ingest queue is closed")
        now = time.time()
        horizon = now - self.duplicate_window_s
        old = [r.seq for r in reports if _epoch(r.ts) < horizon]
        stored = await self._already_stored(rig_id, old) if old else set()
        limit = self._client.max_payload - HEADROOM
        pending = []
        try:
            async with asyncio.timeout(self.publish_timeout_s):
                for report in reports:
                    if report.seq in stored:
                        continue
                    data = encode_message(rig_id, now, [report], kind).encode()
                    if len(data) > limit:
                        raise ApiError(413, "request_entity_too_large",
                                       f"report seq {report.seq} is {len(data)} bytes; the NATS "
                                       f"server takes at most {limit} (raise max_payload)")
                    key = {"Nats-Msg-Id": f"{rig_id}:{report.seq}"}
                    pending.append(await self._js.publish_async(self.subject, data,
                                                                headers=key))
                acks = await asyncio.gather(*pending)
        except (TimeoutError, NatsError) as exc:
            for future in pending:
                future.cancel()
            raise QueueUnavailable(f"NATS did not acknowledge the reports ({exc!r})") from None
        duplicates = len(stored) + sum(1 for ack in acks if ack.duplicate)
        return len(reports) - duplicates, duplicates

    # -- consumer side -------------------------------------------------------------------
    async def take(self, limit: int) -> list[QueuedBatch]:
        """Up to ``limit`` messages; waits up to a second when there are none.

        A full batch means a backlog: the next one is taken at once, in a task, so that its
        messages are received and decoded on this thread while the caller's database write
        of this one runs in PostgreSQL on the other core (measured: the write left this
        thread idle a third of the drain). What it took is handed out by the next ``take``
        (a batch whose write failed stays unacked and comes again after ``ack_wait``, as
        before); :meth:`close` gives it back to the consumer at once."""
        ahead, self._ahead = self._ahead, None
        batches, self._left = self._left, []
        if ahead is not None:  # it waited (up to a second) already: no second wait
            batches += await ahead
        elif not batches:
            batches = await self._take(limit)
        batches, self._left = batches[:limit], batches[limit:]  # asked for fewer this time
        if len(batches) == limit and not self._left and not self._closed:
            self._ahead = asyncio.ensure_future(self._take(limit))
        return batches

    def decode_ahead(self) -> None:
        """Nothing to do: the batch taken ahead is received and decoded from the start."""

    async def _take(self, limit: int) -> list[QueuedBatch]:
        if self._puller is None or self._closed:
            return []
        max_bytes = max(PULL_BYTES, self._client.max_payload * 2)
        messages = await self._puller.pull(limit, max_bytes, wait_s=1.0)
        batches = []
        for message in messages:
            sequence = stream_sequence(message)
            try:
                batches.append(decode_message(sequence, message.header.get("Nats-Msg-Id", "")
                                              if message.header else "", message.data.decode()))
            except (ValueError, KeyError, TypeError) as exc:
                await self._poison(message.data, f"queue message cannot be read: {exc!r}")
                await message.term()
                continue
            self._inflight[sequence] = message
        return batches

    async def wait(self, timeout_s: float) -> None:
        """``take`` itself waits on the server; nothing more to wait for here."""

    async def done(self, rowids: list[int]) -> None:
        """Ack each message of a committed batch (one ack each, never AckAll: that would ack
        other commanders' uncommitted messages). The acks are sent by a task, a slice at a
        time, so that they go out while the consumer's next insert runs in PostgreSQL (sent
        inline they held the drain ~3 µs per report); the next ``done``, :meth:`backlog` and
        :meth:`close` wait for them first. An ack lost with a dying connection only means the
        message comes again, and the consumer's insert ignores a report already stored."""
        await self._acks_sent()
        messages = [m for m in map(self._inflight.pop, rowids, repeat(None)) if m is not None]
        if messages:
            self._acking = asyncio.ensure_future(self._ack(messages))

    async def _ack(self, messages: list[Msg]) -> None:
        for start in range(0, len(messages), ACK_SLICE):
            for message in messages[start:start + ACK_SLICE]:
                await message.ack()
            await asyncio.sleep(0)  # let the consumer go on meanwhile
        # then one flush: once it returns, the server has every ack
        await self._client.flush(timeout=5)

    async def _acks_sent(self) -> None:
        acking, self._acking = self._acking, None
        if acking is not None:
            with contextlib.suppress(NatsError, TimeoutError):
                await acking

    async def prune_seen(self, older_than_s: float = 0) -> int:
        return 0  # the stream's duplicate window and the database do this

    async def forget_rig(self, rig_id: int) -> None:
        """Nothing to forget: PostgreSQL never gives a new rig a deleted rig's id."""

    async def backlog(self) -> int:
        await self._acks_sent()
        info = await self._js.consumer_info(self.stream, self.durable)
        return int((info.num_pending or 0) + (info.num_ack_pending or 0))

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        await self._acks_sent()
        ahead, self._ahead = self._ahead, None
        unread, self._left = self._left, []
        if ahead is not None:
            if ahead.done() and not ahead.cancelled() and ahead.exception() is None:
                unread += ahead.result()
            else:  # still pulling: what arrived stays in the puller, which naks it on stop
                ahead.cancel()
        with contextlib.suppress(NatsError, TimeoutError):
            for batch in unread:  # taken ahead, never handed out: back to the consumer now
                message = self._inflight.pop(batch.rowid, None)
                if message is not None:
                    await message.nak()
        if self._puller is not None:
            with contextlib.suppress(NatsError):
                await self._puller.stop()


def _epoch(ts: str) -> float:
    return datetime.fromisoformat(ts.replace("Z", "+00:00")).astimezone(UTC).timestamp()
