"""Dashboard polish, in-process (Quart's test client, real SQLite): a form that worked says so
once, a deleted rig's URL says it was deleted (410) instead of redirecting, the token page's
enroll command uses MINERFARM_PUBLIC_URL, the icon is served, no emoji glyph in the pages."""

from __future__ import annotations

import contextlib
import html
import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from quart.typing import TestClientProtocol as QuartClient

from minerfarm.commander.app import create_app
from minerfarm.commander.auth.password import AdminPassword, hash_password
from minerfarm.commander.settings import Settings
from tests.commander.playbook_helpers import GOOD

PAGES = Path(__file__).resolve().parents[2] / "minerfarm" / "commander"
NOTICE = re.compile(r'<p class="notice" role="status">([^<]*)</p>')
CSRF = re.compile(r'name="csrf_token" value="([0-9a-f]+)"')
ADMIN = ("admin", "pw")
NO_ADDRESSES = GOOD.replace('"-o", "{{ pool }}", "-u", "{{ wallet }}.{{ worker }}"', '"--bench"')


async def text(answer: object) -> str:
    return str(await answer.get_data(as_text=True))  # type: ignore[attr-defined]


class Browser:
    """The test client as a logged-in browser (session cookie, CSRF token from each page)."""

    def __init__(self, client: QuartClient) -> None:
        self.client = client
        self.csrf = ""

    async def get(self, path: str) -> tuple[int, str]:
        answer = await self.client.get(path, scheme="https")
        body = await text(answer)
        found = CSRF.search(body)
        self.csrf = found.group(1) if found else self.csrf
        return answer.status_code, body

    async def post(self, path: str, **form: str) -> tuple[int, str]:
        answer = await self.client.post(path, form={**form, "csrf_token": self.csrf},
                                        scheme="https")
        return answer.status_code, answer.headers.get("location") or await text(answer)

    async def api(self, method: str, path: str, **kwargs: object) -> object:
        answer = await self.client.open(path, method=method, auth=ADMIN, **kwargs)
        assert answer.status_code < 300, (path, answer.status_code, await text(answer))
        return await answer.get_json()


@contextlib.asynccontextmanager
async def logged_in(settings: Settings) -> AsyncIterator[Browser]:
    app = create_app(settings, AdminPassword(hash_password("pw")), b"0" * 32)
    async with app.test_app() as test_app:
        browser = Browser(test_app.test_client())
        await browser.get("/login")
        status, _ = await browser.post("/login", password="pw")
        assert status == 302
        yield browser


@pytest.fixture
async def browser(tmp_path: Path) -> AsyncIterator[Browser]:
    async with logged_in(Settings(data_dir=tmp_path, advertise=False)) as one:
        yield one


def notices(page: str) -> list[str]:
    return [html.unescape(n) for n in NOTICE.findall(page)]


pytestmark = pytest.mark.filterwarnings("ignore:Strict samesite cookies")


async def test_rename_and_delete_say_so_once(browser: Browser) -> None:
    created = await browser.api("POST", "/api/v1/rigs", json={"name": "polish-rig"})
    rig_id = created["rig"]["id"]  # type: ignore[index]
    await browser.get(f"/rigs/{rig_id}")
    assert notices((await browser.get(f"/rigs/{rig_id}"))[1]) == []
    status, location = await browser.post(f"/rigs/{rig_id}/rename", name="polish-renamed")
    assert (status, location) == (302, f"/rigs/{rig_id}?done=renamed")
    assert notices((await browser.get(location))[1]) == ["Renamed."]
    # Only known keys: a link cannot put its own words on the page.
    _, hostile = await browser.get(f"/rigs/{rig_id}?done=%3Cscript%3Ealert(1)%3C/script%3E")
    assert notices(hostile) == [] and "<script>alert" not in hostile

    status, location = await browser.post(f"/rigs/{rig_id}/delete")
    assert (status, location) == (302, "/?done=rig-deleted")
    (said,) = notices((await browser.get(location))[1])
    assert said.startswith("Rig deleted")


async def test_a_deleted_rig_url_says_it_was_deleted(browser: Browser) -> None:
    created = await browser.api("POST", "/api/v1/rigs", json={"name": "doomed"})
    rig_id = created["rig"]["id"]  # type: ignore[index]
    await browser.api("DELETE", f"/api/v1/rigs/{rig_id}")
    for path in (f"/rigs/{rig_id}", f"/rigs/{rig_id}/reports", f"/rigs/{rig_id}/playbooks",
                 f"/rigs/{rig_id}/playbooks/1", f"/rigs/{rig_id}/miner-logs"):
        status, page = await browser.get(path)
        assert status == 410, path
        assert "This rig was deleted" in page, path
        assert f"Rig {rig_id} was deleted" in page
        assert '<a href="/" id="back">Back to the rigs</a>' in page
    status, page = await browser.get("/rigs/987654")
    assert status == 404 and "No such rig" in page and "was deleted" not in page


async def test_a_deleted_asic_sentry_says_so_and_not_that_asics_stop(browser: Browser) -> None:
    created = await browser.api("POST", "/api/v1/rigs", json={"name": "lan-1", "kind": "asic"})
    rig_id, token = created["rig"]["id"], created["token"]  # type: ignore[index]
    _, detail = await browser.get(f"/rigs/{rig_id}")
    assert "the ASICs keep mining" in detail and "stop its miners" not in detail
    status, location = await browser.post(f"/rigs/{rig_id}/delete")
    assert (status, location) == (302, "/asics?done=asic-sentry-deleted")
    (said,) = notices((await browser.get(location))[1])
    assert "keep mining" in said
    for path in (f"/asics/{rig_id}/10.0.0.7", f"/asics/{rig_id}/10.0.0.7/reports"):
        status, page = await browser.get(path)
        assert status == 410 and "This ASIC sentry was deleted" in page, path
        assert '<a href="/asics" id="back">Back to the ASICs</a>' in page
    gone = await browser.client.get("/api/v1/sentry/hello",
                                    headers={"Authorization": f"Bearer {token}"})
    assert gone.status_code == 410
    assert "mining" not in (await gone.get_json())["error"]["message"]


async def test_templates_and_playbooks_confirm_what_was_done(browser: Browser) -> None:
    await browser.get("/templates")
    status, location = await browser.post("/templates/addresses", type="pool", coin="XMR",
                                          label="p", value="pool.example:3333")
    assert (status, location) == (302, "/templates?done=saved")
    assert notices((await browser.get(location))[1]) == ["Saved."]

    created = await browser.api("POST", "/api/v1/rigs", json={"name": "pb-rig"})
    rig_id = created["rig"]["id"]  # type: ignore[index]
    await browser.get(f"/rigs/{rig_id}/playbooks")
    status, location = await browser.post(f"/rigs/{rig_id}/playbooks", name="mine",
                                          yaml=NO_ADDRESSES)
    assert (status, location) == (302, f"/rigs/{rig_id}/playbooks?done=playbook-saved")
    _, page = await browser.get(location)
    assert notices(page) == ["Playbook saved: the rig's sentry applies it the next time it "
                             "checks."]
    playbook_id = re.search(rf'/rigs/{rig_id}/playbooks/(\d+)/delete', page)
    assert playbook_id
    status, location = await browser.post(f"/rigs/{rig_id}/playbooks/{playbook_id[1]}/delete")
    assert location == f"/rigs/{rig_id}/playbooks?done=playbook-deleted"
    assert notices((await browser.get(location))[1]) == [
        "Playbook deleted: the rig's sentry stops its miner."]

    status, location = await browser.post("/logout")
    assert location == "/login?done=logged-out"
    assert notices((await browser.get(location))[1]) == ["Logged out."]


async def test_token_page_builds_the_command_from_the_browser_host(browser: Browser) -> None:
    await browser.get("/")
    status, page = await browser.post("/rigs", name="tok-rig", kind="cpu_gpu")
    assert status == 200 and notices(page) == ["Rig added."]
    token = re.search(r'<pre class="token" id="token">([^<]+)</pre>', page)
    assert token
    assert (f'<pre id="enroll">minerfarm sentry enroll --commander https://localhost '
            f"--token {token[1]}</pre>") in page
    assert 'id="public-url-hint"' in page and "MINERFARM_PUBLIC_URL" in page
    assert 'data-copy="token"' in page and 'data-copy="enroll"' in page


async def test_token_page_uses_the_public_url(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, advertise=False,
                        public_url="https://farm.example:9443/")
    async with logged_in(settings) as browser:
        created = await browser.api("POST", "/api/v1/rigs", json={"name": "asics", "kind": "asic"})
        rig_id = created["rig"]["id"]  # type: ignore[index]
        await browser.get(f"/rigs/{rig_id}")
        status, page = await browser.post(f"/rigs/{rig_id}/token")
        assert status == 200
        assert notices(page) == ["New token made: the old one no longer works."]
        assert "minerfarm asic-sentry enroll --commander https://farm.example:9443 --token" in page
        assert 'id="public-url-hint"' not in page


async def test_the_icon_is_served_and_linked_to_anyone(browser: Browser) -> None:
    anonymous = browser.client.app.test_client()
    icon = await anonymous.get("/favicon.ico")
    assert icon.status_code == 200 and icon.mimetype == "image/svg+xml"
    assert (await text(icon)).startswith("<svg")
    static = await anonymous.get("/static/pages/favicon.svg")
    assert static.status_code == 200 and static.mimetype == "image/svg+xml"
    _, login = await browser.get("/login")
    assert '<link rel="icon" type="image/svg+xml" href="/static/pages/favicon.svg">' in login


def _emoji(char: str) -> bool:
    """Pictographs that need an emoji font (Debian's chromium shows a box without one)."""
    code = ord(char)
    return (0x2600 <= code <= 0x27BF or 0x2B00 <= code <= 0x2BFF or 0x1F000 <= code <= 0x1FAFF
            or code == 0xFE0F)


def test_no_page_needs_an_emoji_font() -> None:
    files = [p for p in PAGES.rglob("*") if p.suffix in {".html", ".js", ".css", ".py"}]
    assert len(files) > 30
    found = [(str(p.relative_to(PAGES)), c) for p in files for c in p.read_text() if _emoji(c)]
    assert found == []
