"""The flight sheet of the playbook form, posted as a browser posts it: a coin, its wallet and
pool, a miner that mines it and extra arguments make the playbook; a wallet, pool or miner of
another coin is refused in words with every selection kept; an admin's own YAML is kept."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest

from minerfarm.commander.db.models import MiningSoftware
from minerfarm.commander.playbooks.flightsheet import mines, software_algorithm
from tests.commander.playbook_helpers import GOOD, addresses
from tests.support import CommanderProcess, browser_login, csrf_from


def seeded(name: str, template: str) -> MiningSoftware:
    return MiningSoftware(name=name, version="1", executable_template=template)


def test_which_miner_mines_which_coin() -> None:
    xmrig = seeded("xmrig", "xmrig -o {{ pool }} -u {{ wallet }}")
    trex = seeded("trex", "t-rex -a kawpow -o {{ pool }}")
    lolminer = seeded("lolminer", "lolMiner --algo ETCHASH --pool {{ pool }}")
    srb = seeded("srbminer", "SRBMiner-MULTI --algorithm randomx --pool {{ pool }}")
    mystery = seeded("custom", "mine --pool {{ pool }}")
    assert [software_algorithm(s) for s in (xmrig, trex, lolminer, srb, mystery)] == [
        "RandomX", "KawPoW", "Etchash", "RandomX", None]  # one name per algorithm, as totals
    assert mines(xmrig, "XMR") and mines(srb, "XMR") and not mines(trex, "XMR")
    assert mines(trex, "RVN") and not mines(xmrig, "RVN") and mines(lolminer, "ETC")
    assert mines(mystery, "RVN") and mines(trex, "NEWCOIN")  # unknown: offered, not hidden


@pytest.fixture(scope="module")
def farm(commander: CommanderProcess) -> dict[str, Any]:
    rig_id, _ = commander.create_rig("flight-rig")
    with commander.admin() as api:
        xmr_pool, xmr_wallet = addresses(api, "XMR")
        rvn_pool, rvn_wallet = addresses(api, "RVN")
        software = {s["name"]: s["id"] for s in api.get("/api/v1/software").json()["software"]}
    return {"rig": rig_id, "xmr_pool": xmr_pool, "xmr_wallet": xmr_wallet,
            "rvn_pool": rvn_pool, "rvn_wallet": rvn_wallet, "trex": software["trex"],
            "xmrig": software["xmrig"]}


@contextmanager
def rig_form(commander: CommanderProcess, rig_id: int) -> Iterator[tuple[httpx.Client, str]]:
    with commander.anonymous(follow_redirects=True) as browser:
        browser_login(browser)
        yield browser, csrf_from(browser.get(f"/rigs/{rig_id}/playbooks").text)


def sheet(farm: dict[str, Any], token: str, coin: str = "RVN", **over: str) -> dict[str, str]:
    low = coin.lower()
    return {"csrf_token": token, "name": "", "coin": coin, "yaml": "",
            "wallet_id": str(farm.get(f"{low}_wallet", "")),
            "pool_id": str(farm.get(f"{low}_pool", "")),
            "software_id": str(farm["trex"]), "extra_args": "--no-watchdog", **over}


def selected(html: str, name: str) -> str:
    select = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', html, re.S)
    assert select, name
    found = re.search(r'<option value="([^"]*)"[^>]*\bselected\b', select.group(1))
    return found.group(1) if found else ""


def textarea(html: str) -> str:
    found = re.search(r'<textarea name="yaml"[^>]*>(.*?)</textarea>', html, re.S)
    assert found
    return found.group(1)


def playbooks(commander: CommanderProcess, rig_id: int) -> list[dict[str, Any]]:
    with commander.admin() as api:
        rows: list[dict[str, Any]] = api.get(f"/api/v1/rigs/{rig_id}/playbooks").json()[
            "playbooks"]
    return rows


def test_generate_shows_the_playbook_and_saves_nothing(commander: CommanderProcess,
                                                       farm: dict[str, Any]) -> None:
    with rig_form(commander, farm["rig"]) as (browser, token):
        page = browser.post(f"/rigs/{farm['rig']}/playbooks",
                            data={**sheet(farm, token), "action": "generate"})
    assert page.status_code == 200 and "Generated from the flight sheet" in page.text
    yaml_text = textarea(page.text)
    assert "t-rex" in yaml_text and "kawpow" in yaml_text and "--no-watchdog" in yaml_text
    assert 'value="trex RVN"' in page.text  # a name is suggested
    assert selected(page.text, "coin") == "RVN"
    assert selected(page.text, "wallet_id") == str(farm["rvn_wallet"])
    # without JS the server filters: the other coin's wallet and miner are not offered
    assert re.search(rf'<option value="{farm["xmr_wallet"]}"[^>]*hidden disabled', page.text)
    assert re.search(rf'<option value="{farm["xmrig"]}"[^>]*hidden disabled', page.text)
    assert playbooks(commander, farm["rig"]) == []


def test_another_coins_choices_are_refused_and_kept(commander: CommanderProcess,
                                                    farm: dict[str, Any]) -> None:
    with rig_form(commander, farm["rig"]) as (browser, token):
        wrong_miner = browser.post(f"/rigs/{farm['rig']}/playbooks",
                                   data=sheet(farm, token, "XMR", name="mine xmr"))
        wrong_wallet = browser.post(f"/rigs/{farm['rig']}/playbooks", data=sheet(
            farm, token, wallet_id=str(farm["xmr_wallet"])))
        no_coin = browser.post(f"/rigs/{farm['rig']}/playbooks", data={
            **sheet(farm, token, coin=""), "action": "generate"})
    assert wrong_miner.status_code == 422
    assert "trex 0.26.8 mines KawPoW, but XMR is mined with RandomX" in wrong_miner.text
    assert selected(wrong_miner.text, "software_id") == str(farm["trex"])
    assert selected(wrong_miner.text, "wallet_id") == str(farm["xmr_wallet"])
    assert 'value="mine xmr"' in wrong_miner.text and 'value="--no-watchdog"' in wrong_miner.text
    assert wrong_wallet.status_code == 422
    assert "&#39;wallet&#39; is a XMR wallet, not a RVN wallet" in wrong_wallet.text
    assert selected(wrong_wallet.text, "wallet_id") == str(farm["xmr_wallet"])
    assert no_coin.status_code == 422 and "choose the coin first" in no_coin.text
    assert playbooks(commander, farm["rig"]) == []


def test_saved_from_the_sheet_and_read_back_on_edit(commander: CommanderProcess,
                                                     farm: dict[str, Any]) -> None:
    rig_id, _ = commander.create_rig("flight-save")
    with rig_form(commander, rig_id) as (browser, token):
        saved = browser.post(f"/rigs/{rig_id}/playbooks", data=sheet(farm, token))
        assert saved.status_code == 200, saved.text
        [playbook] = playbooks(commander, rig_id)
        assert playbook["software_id"] == farm["trex"] and playbook["name"] == "trex RVN"
        assert sorted(playbook["address_ids"]) == sorted([farm["rvn_wallet"], farm["rvn_pool"]])
        assert "--no-watchdog" in playbook["yaml"] and "kawpow" in playbook["yaml"]

        edit = browser.get(f"/rigs/{rig_id}/playbooks/{playbook['id']}").text
        assert selected(edit, "coin") == "RVN"
        assert selected(edit, "pool_id") == str(farm["rvn_pool"])
        assert selected(edit, "software_id") == str(farm["trex"])
        own = browser.post(f"/rigs/{rig_id}/playbooks/{playbook['id']}", data={
            **sheet(farm, token), "name": "mine", "yaml": GOOD})
        assert own.status_code == 200, own.text
    assert playbooks(commander, rig_id)[0]["yaml"] == GOOD  # the admin's own YAML is kept
