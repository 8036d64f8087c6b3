"""Every store answers an id that does not exist the same way: 404, ``not_found``, and a
message that names what was asked for."""

from __future__ import annotations

from pathlib import Path

import pytest

from minerfarm.commander.app import create_app
from minerfarm.commander.auth.password import AdminPassword, hash_password
from minerfarm.commander.db.lookup import not_found
from minerfarm.commander.settings import Settings

MISSING = 987654
CASES = [
    ("GET", f"/api/v1/rigs/{MISSING}", None, "rig"),
    ("PATCH", f"/api/v1/rigs/{MISSING}", {"name": "x"}, "rig"),
    ("DELETE", f"/api/v1/rigs/{MISSING}", None, "rig"),
    ("GET", f"/api/v1/rigs/{MISSING}/tags", None, "rig"),
    ("PUT", f"/api/v1/rigs/{MISSING}/tags", {"tags": ["a"]}, "rig"),
    ("GET", f"/api/v1/channels/{MISSING}", None, "channel"),
    ("GET", f"/api/v1/alert-rules/{MISSING}", None, "alert rule"),
    ("DELETE", f"/api/v1/silences/{MISSING}", None, "silence"),
    ("POST", f"/api/v1/alerts/{MISSING}/acknowledge", None, "alert"),
]


async def test_a_missing_id_is_a_404_that_names_it(tmp_path: Path) -> None:
    app = create_app(Settings(data_dir=tmp_path, advertise=False),
                     AdminPassword(hash_password("pw")), b"0" * 32)
    async with app.test_app() as test_app:
        client = test_app.test_client()
        for method, path, body, noun in CASES:
            answer = await client.open(path, method=method, json=body, auth=("admin", "pw"))
            assert answer.status_code == 404, (method, path, await answer.get_data())
            error = (await answer.get_json())["error"]
            assert error == {"code": "not_found", "message": f"no {noun} with id {MISSING}"}, \
                (method, path)


@pytest.mark.parametrize("noun", ["rig", "alert rule"])
def test_the_message_is_written_once(noun: str) -> None:
    error = not_found(noun, 3)
    assert (error.status, error.code, error.message) == (404, "not_found", f"no {noun} with id 3")
