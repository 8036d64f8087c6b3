"""The app served in-process (embedders, Quart's test client): the report route behind the
ASGI fast path answers the same as it does over HTTPS."""

from __future__ import annotations

import asyncio
from pathlib import Path

from sqlalchemy.orm.exc import StaleDataError

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


async def test_a_row_deleted_meanwhile_answers_404_not_500(tmp_path: Path) -> None:
    """A rename racing a delete (schemathesis found it) made SQLAlchemy's UPDATE match no row:
    that is "not found" for the caller, in the API's error shape and on pages."""
    app = create_app(Settings(data_dir=tmp_path, advertise=False),
                     AdminPassword(hash_password("pw")), b"0" * 32)

    @app.get("/api/v1/test-stale")
    async def stale() -> None:
        raise StaleDataError("UPDATE statement on table 'rigs' expected to update 1 row(s)")

    async with app.test_app() as test_app:
        client = test_app.test_client()
        answer = await client.get("/api/v1/test-stale", auth=("admin", "pw"))
        assert answer.status_code == 404
        assert (await answer.get_json())["error"]["code"] == "not_found"
        for attempt in range(20):  # the real race, as often as it happens here
            created = await client.post("/api/v1/rigs", json={"name": f"racer-{attempt}"},
                                        auth=("admin", "pw"))
            rig_id = (await created.get_json())["rig"]["id"]
            answers = await asyncio.gather(
                client.patch(f"/api/v1/rigs/{rig_id}", json={"name": f"renamed-{attempt}"},
                             auth=("admin", "pw")),
                client.delete(f"/api/v1/rigs/{rig_id}", auth=("admin", "pw")))
            assert all(a.status_code < 500 for a in answers), [a.status_code for a in answers]
