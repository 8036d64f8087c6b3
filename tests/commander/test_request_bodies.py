"""A JSON body that is not UTF-8 gets the API's clear 400, not a 500 (found by schemathesis)."""

from __future__ import annotations

import pytest

from tests.support import CommanderProcess

pytestmark = pytest.mark.slow
NOT_UTF8 = b'{"name": "\xb3\xf3"}'


@pytest.mark.parametrize(("method", "path"), [
    ("POST", "/api/v1/rigs"), ("POST", "/api/v1/addresses"), ("POST", "/api/v1/software"),
])
def test_admin_json_body_that_is_not_utf8(commander: CommanderProcess, method: str,
                                          path: str) -> None:
    with commander.admin() as api:
        answer = api.request(method, path, content=NOT_UTF8,
                             headers={"Content-Type": "application/json"})
    assert answer.status_code == 400, answer.text
    assert answer.json()["error"]["code"] == "invalid_encoding"


def test_sentry_json_body_that_is_not_utf8(commander: CommanderProcess) -> None:
    _, token = commander.create_rig("utf8-rig")
    with commander.sentry(token) as sentry:
        answer = sentry.post("/api/v1/sentry/logs", content=NOT_UTF8,
                             headers={"Content-Type": "application/json"})
    assert answer.status_code == 400, answer.text
    assert answer.json()["error"]["code"] == "invalid_encoding"


def test_utf8_bodies_still_work(commander: CommanderProcess) -> None:
    with commander.admin() as api:
        answer = api.post("/api/v1/rigs", content='{"name": "rig-é"}'.encode(),
                          headers={"Content-Type": "application/json"})
    assert answer.status_code == 201, answer.text
    assert answer.json()["rig"]["name"] == "rig-é"
