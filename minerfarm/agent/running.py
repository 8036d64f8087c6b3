"""How a sentry's ``run`` runs, without the command line: logging, the event loop, the stop on
SIGTERM/SIGINT. Kept apart from :mod:`minerfarm.agent.cli` so that ``minerfarm sentry run``
can start without click (:mod:`minerfarm.sentry.quickrun`)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from minerfarm.lean import small_tls_reads


def run_until_signal(coroutine: Coroutine[Any, Any, None]) -> None:
    """Run until done or SIGTERM/SIGINT (a clean stop: exit 0)."""
    small_tls_reads()  # a sentry's replies are small: 32 kB TLS reads, not 256

    async def main() -> None:
        loop = asyncio.get_running_loop()
        # the blocking work (collectors, SQLite) is sequential: two threads, not cores + 4
        loop.set_default_executor(ThreadPoolExecutor(max_workers=2, thread_name_prefix="sentry"))
        task = asyncio.ensure_future(coroutine)
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, task.cancel)
        with contextlib.suppress(asyncio.CancelledError):
            await task

    asyncio.run(main())


def setup_logging(verbose: bool) -> None:
    logging.basicConfig(level=logging.DEBUG if verbose else logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for noisy in ("httpx", "httpcore"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
