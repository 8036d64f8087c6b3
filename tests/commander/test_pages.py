"""The minimal pages: list, add, rename, delete a rig; its token shown once; names escaped."""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest

from tests.support import CommanderProcess, browser_login, csrf_from

HOSTILE = "<script>alert(1)</script>"


@pytest.fixture
def browser(commander: CommanderProcess) -> Iterator[httpx.Client]:
    transport = httpx.HTTPTransport(verify=commander.ssl_context(), local_address="127.0.0.50")
    with httpx.Client(base_url=commander.url, transport=transport, timeout=10) as client:
        assert browser_login(client).status_code == 302
        yield client


def rig_id_named(commander: CommanderProcess, name: str) -> int:
    with commander.admin() as api:
        return next(r["id"] for r in api.get("/api/v1/rigs").json()["rigs"] if r["name"] == name)


def add_rig(browser: httpx.Client, name: str, kind: str = "cpu_gpu") -> httpx.Response:
    token = csrf_from(browser.get("/").text)
    return browser.post("/rigs", data={"name": name, "kind": kind, "csrf_token": token})


def test_add_shows_the_token_once(browser: httpx.Client, commander: CommanderProcess) -> None:
    page = add_rig(browser, "page-rig")
    assert page.status_code == 200
    token = re.search(r'<pre class="token" id="token">([^<]+)</pre>', page.text)
    assert token and token.group(1).startswith("mf1.")
    with commander.sentry(token.group(1)) as sentry:
        assert sentry.get("/api/v1/sentry/hello").json()["rig"]["name"] == "page-rig"
    assert token.group(1) not in browser.get("/").text
    assert "page-rig" in browser.get("/").text


def test_duplicate_name_is_a_clear_error(browser: httpx.Client) -> None:
    add_rig(browser, "page-dup")
    again = add_rig(browser, "page-dup")
    assert again.status_code == 409
    assert "already exists" in again.text


def test_rename_and_delete(browser: httpx.Client, commander: CommanderProcess) -> None:
    add_rig(browser, "page-rename")
    rig_id = rig_id_named(commander, "page-rename")
    detail = browser.get(f"/rigs/{rig_id}")
    token = csrf_from(detail.text)
    renamed = browser.post(f"/rigs/{rig_id}/rename", data={"name": "page-renamed",
                                                           "csrf_token": token})
    assert renamed.status_code == 302
    assert "page-renamed" in browser.get(f"/rigs/{rig_id}").text
    deleted = browser.post(f"/rigs/{rig_id}/delete", data={"csrf_token": token})
    assert deleted.status_code == 302
    assert "page-renamed" not in browser.get("/").text
    gone = browser.get(f"/rigs/{rig_id}")  # its page says so, with a link home
    assert gone.status_code == 410 and "This rig was deleted" in gone.text


def test_hostile_rig_name_is_rendered_as_text(browser: httpx.Client,
                                              commander: CommanderProcess) -> None:
    token_page = add_rig(browser, HOSTILE)
    assert HOSTILE not in token_page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in token_page.text
    index = browser.get("/").text
    assert HOSTILE not in index and "&lt;script&gt;" in index
    rig_id = rig_id_named(commander, HOSTILE)
    assert HOSTILE not in browser.get(f"/rigs/{rig_id}").text


def test_anonymous_browser_is_sent_to_login(commander: CommanderProcess) -> None:
    with commander.anonymous() as nobody:
        answer = nobody.get("/rigs/1")
        assert answer.status_code == 302
        assert answer.headers["location"] == "/login?next=/rigs/1"
