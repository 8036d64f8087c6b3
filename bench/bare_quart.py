"""The baseline: a bare Quart JSON endpoint under the same Hypercorn TLS configuration."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from quart import Quart, request

from minerfarm.commander.server import hypercorn_config, serve_forever
from minerfarm.commander.settings import Settings
from minerfarm.commander.tls import TlsFiles

app = Quart(__name__)


@app.post("/api/v1/sentry/reports")
async def reports() -> tuple[dict[str, int], int]:
    body = await request.get_json()
    return {"accepted": len(body["reports"]), "duplicates": 0}, 202


if __name__ == "__main__":
    port, cert, key = int(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3])
    config = hypercorn_config(Settings(host="127.0.0.1", port=port), TlsFiles(cert, key))
    asyncio.run(serve_forever(app, config))
