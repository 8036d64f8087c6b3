"""End to end, in Chromium: a real sentry applies a playbook whose download URL is a closed
localhost port; the open index page turns the rig's row to "degraded · could not download
(connection refused)" live, and the rig's page says which URL, in words."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, expect

from tests.browser.pages import logged_in, open_live
from tests.playbooks.test_playbooks_end_to_end import sentry_run  # noqa: F401 - the fixture
from tests.support import CommanderProcess, free_port

pytestmark = pytest.mark.slow


def test_a_failed_download_shows_on_the_index_row(
        chromium: Browser, fresh_commander: CommanderProcess,
        sentry_run: object) -> None:  # noqa: F811 - the fixture imported above
    commander = fresh_commander
    rig_id, token = commander.create_rig("unreachable-download")
    closed = f"http://127.0.0.1:{free_port()}/xmrig-6.22.1-linux-static-x64.tar.gz"
    with commander.admin() as api:
        pool = api.post("/api/v1/addresses", json={"type": "pool", "coin": "XMR",
                                                   "label": "pool", "value": "pool.example:3333"})
        wallet = api.post("/api/v1/addresses", json={"type": "wallet", "coin": "XMR",
                                                     "label": "wallet", "value": "4Wallet"})
        software = api.post("/api/v1/software", json={
            "name": "xmrig-unreachable", "version": "6.22.1", "download_url": closed,
            "sha256": "a" * 64, "api_kind": "xmrig", "api_port": free_port(),
            "executable_template": "xmrig -o {{ pool }} -u {{ wallet }}"}).json()
        template = api.get(f"/api/v1/software/{software['id']}/playbook-template").json()
        page = logged_in(chromium, commander)
        open_live(page, f"{commander.url}/")
        sentry_run(commander, token)  # type: ignore[operator]
        created = api.post(f"/api/v1/rigs/{rig_id}/playbooks", json={
            "name": "xmrig", "software_id": software["id"], "yaml": template["yaml"],
            "address_ids": [pool.json()["id"], wallet.json()["id"]]})
        assert created.status_code == 201, created.text

    row = page.locator(f"#rig-{rig_id}")
    expect(row).to_contain_text("could not download (connection refused)", timeout=60_000)
    expect(row.locator(".health")).to_have_text("degraded")
    expect(row.locator(".health")).to_have_attribute("title", f"The rig could not download "
                                                     f"{closed} (connection refused: nothing "
                                                     "answers at that address and port).")
    page.goto(f"{commander.url}/rigs/{rig_id}")
    expect(page.locator("#rig-problems")).to_contain_text(f"could not download {closed}")
    expect(page.locator("#rig-events")).to_contain_text("playbook failed")
