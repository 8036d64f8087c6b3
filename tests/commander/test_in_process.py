"""The app served in-process (embedders, Quart's test client): the report route behind the
ASGI fast path answers the same as it does over HTTPS."""

from __future__ import annotations

from pathlib import Path

from minerfarm.commander.app import create_app
from minerfarm.commander.auth.password import AdminPassword, hash_password
from minerfarm.commander.settings import Settings
from tests.support import report


async def test_reports_through_the_quart_route(tmp_path: Path) -> None:
    app = create_app(Settings(data_dir=tmp_path, advertise=False),
                     AdminPassword(hash_password("pw")), b"0" * 32)
    async with app.test_app() as test_app:
        client = test_app.test_client()
        created = await client.post("/api/v1/rigs", json={"name": "in-process"},
                                    auth=("admin", "pw"))
        token = (await created.get_json())["token"]
        headers = {"Authorization": f"Bearer {token}"}
        batch = {"reports": [report(1), report(2)]}
        first = await client.post("/api/v1/sentry/reports", json=batch, headers=headers)
        assert first.status_code == 202
        assert await first.get_json() == {"accepted": 2, "duplicates": 0}
        again = await client.post("/api/v1/sentry/reports", json=batch, headers=headers)
        assert await again.get_json() == {"accepted": 0, "duplicates": 2}
        bad = await client.post("/api/v1/sentry/reports", json={"reports": [{"seq": 1}]},
                                headers=headers)
        assert bad.status_code == 422
        nobody = await client.post("/api/v1/sentry/reports", json=batch)
        assert nobody.status_code == 401
