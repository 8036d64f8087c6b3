"""Miner console lines to the commander (``POST /logs``), batched every couple of seconds.

Bounded: while the commander is unreachable the newest lines are kept (the oldest dropped);
the rotating log on disk keeps the whole console anyway.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from datetime import UTC, datetime
from typing import Protocol

from minerfarm.agent.client import CommanderUnreachable, RequestRejected
from minerfarm.protocol.playbooks import LOG_BATCH_MAX, LOG_LINE_MAX, LogBatch, LogLine

log = logging.getLogger(__name__)


class LogsClient(Protocol):
    async def post_logs(self, batch: LogBatch) -> None: ...


class LogShipper:
    def __init__(self, client: LogsClient, *, interval_s: float = 2.0, batch: int = 500,
                 keep: int = 5000) -> None:
        self.client, self.interval_s = client, interval_s
        self.batch = min(batch, LOG_BATCH_MAX)
        self._lines: deque[LogLine] = deque(maxlen=keep)
        self._wake = asyncio.Event()

    def add(self, playbook_id: int, line: str) -> None:
        self._lines.append(LogLine(ts=datetime.now(UTC), line=line[:LOG_LINE_MAX],
                                   playbook_id=playbook_id))
        if len(self._lines) >= self.batch:
            self._wake.set()

    async def run(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.interval_s)
            self._wake.clear()
            await self.flush()

    async def flush(self) -> None:
        while self._lines:
            batch = [self._lines.popleft() for _ in range(min(self.batch, len(self._lines)))]
            try:
                await self.client.post_logs(LogBatch(lines=batch))
            except CommanderUnreachable as exc:
                log.info("miner logs kept for later: %s", exc)
                room = (self._lines.maxlen or len(batch)) - len(self._lines)
                self._lines.extendleft(reversed(batch[-room:] if room > 0 else []))
                return
            except RequestRejected as exc:
                log.warning("commander refused %d log lines: %s", len(batch), exc)
