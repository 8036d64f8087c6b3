"""The whole hobbyist flow in Chromium, as clicked: add a pool and a wallet and the mining
software (a fake XMRig served from a local download server) on the Templates page, build the
rig's playbook with the flight sheet, and watch the rig's page show the miner hashing, applied
on the rig by a real sentry with Ansible."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from tests.browser.pages import logged_in
from tests.browser.test_template_pages import add_address
from tests.playbooks.helpers import FAKE_MINER_COMMAND, download_server, fake_miner_tarball
from tests.playbooks.test_playbooks_end_to_end import sentry_run  # noqa: F401 - the fixture
from tests.support import CommanderProcess, free_port

pytestmark = pytest.mark.slow


def test_templates_then_a_flight_sheet_then_the_miner_runs(
        chromium: Browser, fresh_commander: CommanderProcess, tmp_path: Path,
        sentry_run: object) -> None:  # noqa: F811 - the fixture imported above
    commander = fresh_commander
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    tarball, sha256 = fake_miner_tarball(downloads)
    rig_id, token = commander.create_rig("hobby-rig")
    sentry_run(commander, token)  # type: ignore[operator]
    page = logged_in(chromium, commander)
    with download_server(downloads) as base_url:
        page.click("nav >> text=Templates")
        add_address(page, "pool", "XMR", "my pool", "stratum+tcp://pool.hobby.example:3333")
        expect(page.locator(".notice")).to_have_text("Saved.")
        add_address(page, "wallet", "XMR", "my wallet", "4HobbyWalletAddress")
        expect(page.locator("#address-rows")).to_contain_text("4HobbyWalletAddress")
        form = page.locator("#software-form")
        form.locator("input[name=name]").fill("fakexmrig")
        form.locator("input[name=version]").fill("1.0")
        form.locator("input[name=api_kind]").fill("xmrig")
        form.locator("input[name=api_port]").fill(str(free_port()))
        form.locator("input[name=download_url]").fill(f"{base_url}/{tarball.name}")
        form.locator("input[name=sha256]").fill(sha256)
        form.locator("textarea[name=executable_template]").fill(FAKE_MINER_COMMAND)
        form.locator("button[type=submit]").click()
        expect(page.locator("#software-rows")).to_contain_text("fakexmrig")

        page.goto(f"{commander.url}/rigs/{rig_id}/playbooks")
        page.select_option("select[name=coin]", "XMR")
        page.select_option("select[name=wallet_id]", label="XMR · my wallet")
        page.select_option("select[name=pool_id]", label="XMR · my pool")
        miner = page.locator("select[name=software_id] option", has_text="fakexmrig").first
        page.select_option("select[name=software_id]", miner.get_attribute("value") or "")
        page.click("button[value=generate]")
        expect(page.locator(".notice")).to_contain_text("Generated from the flight sheet")
        page.click("button:text('Add playbook')")
        expect(page.locator("table").first).to_contain_text("fakexmrig", timeout=30_000)

        # the sentry applies it with Ansible; the rig's page shows the miner hashing
        page.goto(f"{commander.url}/rigs/{rig_id}")
        expect(page.locator("#rig-body")).to_contain_text("H/s", timeout=90_000)
        expect(page.locator("#rig-body")).to_contain_text("xmrig")
        expect(page.locator("#rig-events")).to_contain_text("playbook applied", timeout=30_000)
