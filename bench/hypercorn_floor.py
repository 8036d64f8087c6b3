"""Hypercorn's own CPU per HTTPS request: the floor under ``bench/fanout.py``'s figure.

A raw ASGI app (no Quart, no token, no validation, no queue, no consumer: it reads the body
and answers 202 with the sentry fast path's headers) is served under the commander's own
Hypercorn and TLS configuration (:func:`minerfarm.commander.server.hypercorn_config`). It is
posted the same reports as ``bench/fanout.py``, at the same open-loop rate, over 64 keep-alive
connections (:func:`bench.loadclient.open_loop`). The script prints the server's CPU time per
request (user + system, read from /proc): what a commander served by Hypercorn pays before any
of its own code runs.

Usage: python bench/hypercorn_floor.py [--rate 1000] [--seconds 10]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import socket
import ssl
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import orjson

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import procstat
from bench.ingest import body_factory, pct
from bench.loadclient import open_loop
from tests.support import free_port

PATH = "/api/v1/sentry/reports"
REPLY = orjson.dumps({"accepted": 1, "duplicates": 0})


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """The least an HTTP answer to a report costs: read the body, answer 202."""
    from minerfarm.commander.headers import ASGI_HEADERS

    if scope["type"] != "http":
        return  # lifespan: nothing to start
    more = True
    while more:
        message = await receive()
        more = message.get("more_body", False)
    await send({"type": "http.response.start", "status": 202, "headers": [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(REPLY)).encode()), *ASGI_HEADERS]})
    await send({"type": "http.response.body", "body": REPLY})


def serve(port: int, cert: Path, key: Path) -> None:
    from hypercorn.asyncio import serve as hypercorn_serve

    from minerfarm.commander.server import hypercorn_config
    from minerfarm.commander.settings import Settings
    from minerfarm.commander.tls import TlsFiles

    config = hypercorn_config(Settings(host="127.0.0.1", port=port), TlsFiles(cert, key))
    config.errorlog = None
    asyncio.run(hypercorn_serve(app, config))


async def load(port: int, pid: int, rate: float, seconds: float) -> dict[str, float]:
    """A second of warm-up, then ``seconds`` measured: requests/s, server CPU ms per request,
    ack p99 (s)."""
    context = ssl.create_default_context()
    context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
    body, headers = body_factory(), {"Authorization": "Bearer bench"}
    await open_loop("127.0.0.1", port, context, PATH, body, headers, rate, 1.0)
    count, cpu, begin = int(rate * seconds), procstat.cpu_seconds(pid), time.perf_counter()
    acks = await open_loop("127.0.0.1", port, context, PATH, body, headers, rate, seconds)
    elapsed, cpu = time.perf_counter() - begin, procstat.cpu_seconds(pid) - cpu
    return {"rate": count / elapsed, "cpu_ms": cpu * 1000 / count, "ack_p99": pct(acks, 0.99)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rate", type=float, default=1000)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--serve", nargs=3, metavar=("PORT", "CERT", "KEY"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(int(args.serve[0]), Path(args.serve[1]), Path(args.serve[2]))
        return
    from minerfarm.commander.tls import generate_self_signed

    with tempfile.TemporaryDirectory() as tmp:
        tls = generate_self_signed(Path(tmp) / "cert.pem", Path(tmp) / "key.pem")
        port = free_port()
        server = subprocess.Popen([sys.executable, __file__, "--serve", str(port),
                                   str(tls.cert), str(tls.key)])
        try:
            for _ in range(100):  # until it listens
                try:
                    with socket.create_connection(("127.0.0.1", port), 0.2):
                        break
                except OSError:
                    time.sleep(0.1)
            result = asyncio.run(load(port, server.pid, args.rate, args.seconds))
        finally:
            server.terminate()
            server.wait(10)
    print(f"machine: {platform.machine()}, {os.cpu_count()} CPUs, python "
          f"{platform.python_version()}; client and server share these CPUs")
    print(f"Hypercorn + TLS, raw ASGI app answering 202: {int(args.rate * args.seconds)} reports "
          f"at {result['rate']:.0f}/s; server CPU {result['cpu_ms']:.2f} ms/request; "
          f"ack p99 {result['ack_p99'] * 1000:.1f} ms")


if __name__ == "__main__":
    main()
