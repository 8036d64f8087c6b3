"""The app served in-process with a logged-in browser client, and reports fed straight into
its farm model (the index reads nothing else)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import orjson
from quart import Quart
from quart.testing import QuartClient

from minerfarm.commander import topics
from minerfarm.commander.app import create_app
from minerfarm.commander.auth.password import AdminPassword, hash_password
from minerfarm.commander.dashboard.aggregator import FarmAggregator
from minerfarm.commander.pubsub import Message
from minerfarm.commander.settings import Settings
from minerfarm.commander.state import EXTENSION
from tests.support import csrf_from

ADMIN = ("admin", "pw")
ROW_NAMES = re.compile(r'class="rig-name">([^<]+)</a>')


@dataclass
class Browser:
    app: Quart
    client: QuartClient

    async def get(self, path: str, **params: Any) -> str:
        answer = await self.client.get(path, query_string=params, scheme="https")
        assert answer.status_code == 200, answer.status_code
        return await answer.get_data(as_text=True)

    async def post(self, path: str, form: dict[str, Any], csrf: bool = True) -> Any:
        token = csrf_from(await self.get("/")) if csrf else ""
        pairs = [(k, v) for k, values in form.items()
                 for v in (values if isinstance(values, list) else [values])]
        return await self.client.post(
            path, data=urlencode([*pairs, ("csrf_token", token)]), scheme="https",
            headers={"Content-Type": "application/x-www-form-urlencoded"})

    async def names(self, **params: Any) -> list[str]:
        return ROW_NAMES.findall(await self.get("/", **params))

    @property
    def farm(self) -> FarmAggregator:
        found = self.app.extensions[EXTENSION].aggregator
        assert found is not None
        return found

    async def create(self, name: str, kind: str = "cpu_gpu") -> int:
        answer = await self.client.post("/api/v1/rigs", json={"name": name, "kind": kind},
                                        auth=ADMIN, scheme="https")
        assert answer.status_code == 201, await answer.get_data(as_text=True)
        return int((await answer.get_json())["rig"]["id"])

    def report(self, rig_id: int, miners: list[dict[str, Any]], power_w: float | None = None,
               ago_s: float = 0.0, seq: int = 1) -> None:
        """A stored report as the consumer announces it (the farm model's one input)."""
        gpus = [{"index": 0, "power_w": power_w}] if power_w is not None else []
        seen = datetime.now(UTC) - timedelta(seconds=ago_s)
        self.farm.observe(Message(topics.operational_stats("cpu_gpu"), "updated", {
            "id": rig_id, "seq": seq, "last_seen": seen.isoformat(),
            "stats": orjson.dumps({"gpus": gpus, "miners": miners}).decode()}))


def miner(coin: str | None, algorithm: str | None, hashrate: float) -> dict[str, Any]:
    return {"software": "xmrig", "coin": coin, "algorithm": algorithm, "hashrate_hs": hashrate}


@asynccontextmanager
async def served(tmp: Path) -> AsyncIterator[Browser]:
    app = create_app(Settings(data_dir=tmp, advertise=False), AdminPassword(hash_password("pw")),
                     b"0" * 32)
    async with app.test_app() as test_app:
        client = test_app.test_client()
        login = await client.get("/login", scheme="https")
        token = csrf_from(await login.get_data(as_text=True))
        answer = await client.post("/login", form={"password": "pw", "csrf_token": token},
                                   scheme="https")
        assert answer.status_code == 302
        yield Browser(app, client)
