"""Serve the commander over HTTPS with Hypercorn until SIGINT/SIGTERM."""

from __future__ import annotations

import asyncio
import logging
import signal

from hypercorn.asyncio import serve
from hypercorn.config import Config
from quart import Quart

from minerfarm.commander.settings import Settings
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
    return config


async def serve_forever(app: Quart, config: Config) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    await serve(app, config, shutdown_trigger=stop.wait)
