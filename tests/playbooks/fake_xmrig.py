"""A stand-in for XMRig in tests: answers ``GET /2/summary`` (XMRig's format, from the
captured 6.22.1 reply) with counters that move, and prints console lines like a miner.

Usage: ``fake_xmrig.py -o POOL -u WALLET -p WORKER --http-host HOST --http-port PORT``.
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

SUMMARY = Path(__file__).with_name("xmrig_summary.json")
STARTED = time.monotonic()


def summary(pool: str, worker: str) -> dict[str, Any]:
    body: dict[str, Any] = json.loads(SUMMARY.read_text())
    elapsed = time.monotonic() - STARTED
    rate = 1000.0 + 10.0 * (int(elapsed) % 50)
    body["uptime"] = int(elapsed)
    body["worker_id"] = worker
    body["hashrate"]["total"] = [rate, rate, None]
    body["connection"]["pool"] = pool
    body["connection"]["accepted"] = body["results"]["shares_good"] = int(elapsed)
    body["results"]["shares_total"] = int(elapsed)
    body["connection"]["rejected"] = 0
    body["paused"] = False
    return body


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("-o", dest="pool", required=True)
    parser.add_argument("-u", dest="wallet", required=True)
    parser.add_argument("-p", dest="worker", default="x")
    parser.add_argument("--http-host", default="127.0.0.1")
    parser.add_argument("--http-port", type=int, required=True)
    args, _ = parser.parse_known_args()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path != "/2/summary":
                self.send_error(404)
                return
            data = json.dumps(summary(args.pool, args.worker)).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *_: Any) -> None:
            pass

    server = ThreadingHTTPServer((args.http_host, args.http_port), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    print(f"[fake-xmrig] mining to {args.pool} as {args.wallet}.{args.worker}", flush=True)
    while True:
        rate = summary(args.pool, args.worker)["hashrate"]["total"][0]
        print(f"[fake-xmrig] speed 10s/60s/15m {rate:.1f} {rate:.1f} n/a H/s", flush=True)
        time.sleep(0.5)


if __name__ == "__main__":
    sys.exit(main())
