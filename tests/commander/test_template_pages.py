"""The templates pages over HTTP as a browser posts them: pool and wallet addresses and the
mining software catalog, added, refused with the problem next to the field, edited, deleted
(or refused while a playbook uses them), and never changed without the page's CSRF token."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

import httpx

from tests.commander.playbook_helpers import GOOD, addresses
from tests.support import CommanderProcess, browser_login, csrf_from

SOFTWARE = {"name": "tplminer", "version": "1.0", "download_url": "https://example.org/m.tgz",
            "sha256": "", "executable_template": "m -o {{ pool }} -u {{ wallet }} "
            "--api-port {{ api_port }}", "api_kind": "xmrig", "api_port": "4067"}


@contextmanager
def logged_in(commander: CommanderProcess) -> Iterator[tuple[httpx.Client, str]]:
    with commander.anonymous(follow_redirects=True) as browser:
        browser_login(browser)
        yield browser, csrf_from(browser.get("/templates").text)


def listed(commander: CommanderProcess, path: str) -> list[dict[str, object]]:
    with commander.admin() as api:
        rows: list[dict[str, object]] = api.get(f"/api/v1/{path}").json()[path]
    return rows


def field_error(html: str, name: str) -> str:
    match = re.search(rf'<span class="field-error" id="{name}-error">([^<]*)</span>', html)
    assert match, f"no error shown next to {name}"
    return match.group(1)


def test_add_edit_and_delete_addresses(commander: CommanderProcess) -> None:
    with logged_in(commander) as (browser, token):
        pool = {"csrf_token": token, "type": "pool", "coin": "RVN", "label": "flypool rvn",
                "value": "stratum+tcp://rvn.pool.example:3333"}
        saved = browser.post("/templates/addresses", data=pool)
        assert saved.status_code == 200 and "Saved." in saved.text
        assert "rvn.pool.example:3333" in saved.text
        bad = browser.post("/templates/addresses", data={**pool, "label": "typo pool",
                                                         "value": "rvn.pool.example"})
        assert bad.status_code == 422
        assert "pool must be stratum+tcp://host:port" in field_error(bad.text, "value")
        assert 'value="typo pool"' in bad.text and 'value="rvn.pool.example"' in bad.text
        assert "Saved." not in bad.text
        assert [a["label"] for a in listed(commander, "addresses")] == ["flypool rvn"]

        row_id = listed(commander, "addresses")[0]["id"]
        edit = browser.get(f"/templates/addresses/{row_id}")
        assert edit.status_code == 200 and 'value="flypool rvn"' in edit.text
        renamed = browser.post(f"/templates/addresses/{row_id}", data={**pool, "label": "rvn main"})
        assert renamed.status_code == 200 and "Saved." in renamed.text
        assert listed(commander, "addresses")[0]["label"] == "rvn main"

        deleted = browser.post(f"/templates/addresses/{row_id}/delete",
                               data={"csrf_token": token})
        assert deleted.status_code == 200 and "Deleted." in deleted.text
        assert listed(commander, "addresses") == []


def test_an_address_in_use_is_not_deleted_and_the_page_says_why(
        commander: CommanderProcess) -> None:
    rig_id, _ = commander.create_rig("tpl-in-use")
    with commander.admin() as api:
        pool_id, wallet_id = addresses(api)
        api.post(f"/api/v1/rigs/{rig_id}/playbooks", json={
            "name": "uses-wallet", "yaml": GOOD, "address_ids": [pool_id, wallet_id]}
        ).raise_for_status()
    with logged_in(commander) as (browser, token):
        refused = browser.post(f"/templates/addresses/{wallet_id}/delete",
                               data={"csrf_token": token})
    assert refused.status_code == 409
    assert "Not deleted:" in refused.text and "&#39;uses-wallet&#39;" in refused.text
    assert "change or delete those playbooks first" in refused.text
    assert any(a["id"] == wallet_id for a in listed(commander, "addresses"))


def test_software_without_sha256_is_saved_and_marked(commander: CommanderProcess) -> None:
    with logged_in(commander) as (browser, token):
        bad = browser.post("/templates/software", data={
            "csrf_token": token, **SOFTWARE, "sha256": "abc", "api_port": "70000"})
        assert bad.status_code == 422
        assert "64 hex digits" in field_error(bad.text, "sha256")
        assert "less than or equal to 65535" in field_error(bad.text, "api_port")
        assert 'value="tplminer"' in bad.text and "--api-port {{ api_port }}" in bad.text

        saved = browser.post("/templates/software", data={"csrf_token": token, **SOFTWARE})
        assert saved.status_code == 200 and "Saved." in saved.text
        row = next(s for s in listed(commander, "software") if s["name"] == "tplminer")
        assert row["sha256"] == "" and row["api_port"] == 4067
        marked = re.search(rf'<tr id="software-{row["id"]}">.*?</tr>', saved.text, re.S)
        assert marked and "no sha256" in marked.group(0)
        assert "the sentry refuses to install it until you fill in the checksum" in marked.group(0)

        filled = browser.post(f"/templates/software/{row['id']}", data={
            "csrf_token": token, **SOFTWARE, "sha256": "AB" * 32})
        assert filled.status_code == 200 and "Saved." in filled.text
        row = next(s for s in listed(commander, "software") if s["id"] == row["id"])
        assert row["sha256"] == "ab" * 32
        again = re.search(rf'<tr id="software-{row["id"]}">.*?</tr>', filled.text, re.S)
        assert again and "no sha256" not in again.group(0)

        twin = browser.post("/templates/software", data={"csrf_token": token, **SOFTWARE})
        assert twin.status_code == 409 and "same name and version exists" in twin.text


def test_forms_without_the_csrf_token_change_nothing(commander: CommanderProcess) -> None:
    with commander.admin() as api:
        kept = api.post("/api/v1/addresses", json={"type": "wallet", "coin": "ETC",
                                                   "label": "kept", "value": "0xKept"}).json()
    before = listed(commander, "addresses")
    with logged_in(commander) as (browser, token):
        for path, data in [
            ("/templates/addresses", {"type": "pool", "coin": "X", "label": "x",
                                      "value": "pool.example:1"}),
            (f"/templates/addresses/{kept['id']}", {"type": "wallet", "coin": "ETC",
                                                   "label": "changed", "value": "0xKept"}),
            (f"/templates/addresses/{kept['id']}/delete", {}),
            ("/templates/software", SOFTWARE)]:
            for wrong in ({}, {"csrf_token": token[:-2] + "xx"}):
                answer = browser.post(path, data={**data, **wrong})
                assert answer.status_code == 403, path
                assert "CSRF token" in answer.text and "Traceback" not in answer.text
    assert listed(commander, "addresses") == before


def test_the_navigation_and_the_playbook_form_lead_to_templates(
        fresh_commander: CommanderProcess) -> None:
    fresh_commander.create_rig("tpl-nav")
    with logged_in(fresh_commander) as (browser, _):
        index = browser.get("/playbooks").text
    assert '<a href="/templates">Templates</a>' in index
    assert "POST /api/v1/addresses" not in index
    assert "on the <a href=\"/templates\">Templates</a> page" in index
