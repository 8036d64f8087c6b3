"""Serve the commander over HTTPS with Hypercorn until SIGINT/SIGTERM."""

from __future__ import annotations

import asyncio
import errno
import logging
import signal

from hypercorn.asyncio import serve
from hypercorn.config import Config
from hypercorn.utils import LifespanFailureError, LifespanTimeoutError
from quart import Quart

from minerfarm.commander.settings import Settings
from minerfarm.commander.startup import StartupError, port_error
from minerfarm.commander.tls import TlsFiles

log = logging.getLogger("minerfarm.commander")


def hypercorn_config(settings: Settings, tls: TlsFiles) -> Config:
    config = Config()
    host = f"[{settings.host}]" if ":" in settings.host else settings.host
    config.bind = [f"{host}:{settings.port}"]
    config.certfile, config.keyfile = str(tls.cert), str(tls.key)
    config.alpn_protocols = ["h2", "http/1.1"]
    config.graceful_timeout = 5
    config.accesslog = None
    config.errorlog = "-"
    config.keep_alive_timeout = 75  # sentries keep their connection between reports
    # Hypercorn closes a connection after 1,000 requests by default; a client that sends its
    # next request at that moment sees it cut (a rig reporting every 10 s would, every ~3 h).
    config.keep_alive_max_requests = 1_000_000
    return config


async def serve_forever(app: Quart, config: Config) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    try:
        await serve(app, config, shutdown_trigger=stop.wait)
    except OSError as exc:
        # The start-up checks bound the port a moment ago; someone may have taken it since.
        if exc.errno not in (errno.EADDRINUSE, errno.EACCES, errno.EADDRNOTAVAIL):
            raise
        host, _, port = config.bind[0].rpartition(":")
        raise port_error(host.strip("[]"), int(port), exc) from None
    except (LifespanFailureError, LifespanTimeoutError) as exc:
        # The app's start-up failed after the checks passed: its log line above has the cause.
        raise StartupError(f"the commander failed to start: {exc}",
                           "see the error logged above") from None
