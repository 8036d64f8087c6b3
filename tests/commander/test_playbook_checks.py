"""Playbooks are checked before they are saved (YAML, placeholders, addresses,
``ansible-playbook --syntax-check``); the seeded catalog; templates; apply to many rigs; the
long-poll; what the sentry is given to fill the placeholders with."""

from __future__ import annotations

import threading
import time

import httpx

from tests.commander.playbook_helpers import GOOD, addresses
from tests.support import CommanderProcess, browser_login, csrf_from


def _error(answer: httpx.Response) -> str:
    assert answer.status_code == 422, answer.text
    return str(answer.json()["error"]["message"])


def test_bad_yaml_is_refused(commander: CommanderProcess) -> None:
    rig_id, _ = commander.create_rig("check-yaml")
    with commander.admin() as api:
        answer = api.post(f"/api/v1/rigs/{rig_id}/playbooks",
                          json={"name": "x", "yaml": "- hosts: [unclosed\n"})
        assert "YAML" in _error(answer)


def test_unknown_placeholder_is_refused(commander: CommanderProcess) -> None:
    rig_id, _ = commander.create_rig("check-placeholder")
    with commander.admin() as api:
        ids = addresses(api)
        answer = api.post(f"/api/v1/rigs/{rig_id}/playbooks", json={
            "name": "x", "address_ids": ids,
            "yaml": GOOD.replace("{{ worker }}", "{{ wrker }}")})
        message = _error(answer)
        assert "unknown placeholder {{ wrker }}" in message
        assert "{{ worker }}" in message  # says which ones exist


def test_a_used_placeholder_needs_its_address(commander: CommanderProcess) -> None:
    rig_id, _ = commander.create_rig("check-address")
    with commander.admin() as api:
        answer = api.post(f"/api/v1/rigs/{rig_id}/playbooks", json={"name": "x", "yaml": GOOD})
        assert "pick a pool address" in _error(answer)
        pool, _wallet = addresses(api)
        other = api.post("/api/v1/addresses", json={"type": "wallet", "coin": "RVN",
                                                    "label": "rvn", "value": "RVNwallet1"})
        answer = api.post(f"/api/v1/rigs/{rig_id}/playbooks", json={
            "name": "x", "yaml": GOOD, "address_ids": [pool, other.json()["id"]]})
        assert "the pool is for XMR but the wallet for RVN" in _error(answer)


def test_syntax_check_failure_is_refused_with_ansibles_words(
        commander: CommanderProcess) -> None:
    rig_id, _ = commander.create_rig("check-syntax")
    with commander.admin() as api:
        ids = addresses(api)
        no_role = GOOD.replace("role: install_miner", "role: install_minr")
        message = _error(api.post(f"/api/v1/rigs/{rig_id}/playbooks",
                                  json={"name": "x", "yaml": no_role, "address_ids": ids}))
        assert "syntax-check failed" in message and "install_minr" in message
        bad_keyword = GOOD.replace("gather_facts: false", "gather_facts: false\n  tsks: []")
        message = _error(api.post(f"/api/v1/rigs/{rig_id}/playbooks",
                                  json={"name": "x", "yaml": bad_keyword, "address_ids": ids}))
        assert "tsks" in message
        assert api.get(f"/api/v1/rigs/{rig_id}/playbooks").json()["playbooks"] == []


def test_catalog_is_seeded_and_templates_are_valid_playbooks(
        commander: CommanderProcess) -> None:
    rig_id, token = commander.create_rig("check-template")
    with commander.admin() as api, commander.sentry(token) as sentry:
        software = {(s["name"], s["version"]): s for s in api.get("/api/v1/software").json()[
            "software"]}
        names = {name for name, _ in software}
        assert {"xmrig", "lolminer", "trex", "gminer", "nbminer", "bzminer", "teamredminer",
                "srbminer"} <= names
        xmrig = software[("xmrig", "6.26.0")]
        assert "--http-port {{ api_port }}" in xmrig["executable_template"]
        template = api.get(f"/api/v1/software/{xmrig['id']}/playbook-template").json()["yaml"]
        assert '- "{{ pool }}"' in template and "install_miner" in template
        ids = addresses(api)
        saved = api.post(f"/api/v1/rigs/{rig_id}/playbooks", json={
            "name": "cpu", "software_id": xmrig["id"], "yaml": template, "address_ids": ids})
        assert saved.status_code == 201, saved.text
        desired = sentry.get("/api/v1/sentry/playbooks").json()
        entry = desired["playbooks"][0]
        assert entry["vars"] == {"pool": "stratum+tcp://pool.example.org:3333",
                                 "wallet": "4WalletAddr", "worker": "check-template",
                                 "api_host": "127.0.0.1", "coin": "XMR"}
        assert entry["software"]["api_port"] == xmrig["api_port"]


def test_apply_one_playbook_to_many_rigs(commander: CommanderProcess) -> None:
    rigs = [commander.create_rig(f"many-{i}")[0] for i in range(3)]
    with commander.admin() as api:
        ids = addresses(api)
        answer = api.post("/api/v1/playbooks/apply", json={
            "rig_ids": rigs[:2], "playbook": {"name": "cpu", "yaml": GOOD, "address_ids": ids}})
        assert answer.status_code == 201, answer.text
        assert [p["rig_id"] for p in answer.json()["playbooks"]] == rigs[:2]
        for rig_id, count in zip(rigs, (1, 1, 0), strict=True):
            listed = api.get(f"/api/v1/rigs/{rig_id}/playbooks").json()
            assert len(listed["playbooks"]) == count
        missing = api.post("/api/v1/playbooks/apply", json={
            "rig_ids": [rigs[0], 999999], "playbook": {"name": "cpu", "yaml": GOOD,
                                                       "address_ids": ids}})
        assert missing.status_code == 404


def test_long_poll_answers_as_soon_as_the_revision_changes(commander: CommanderProcess) -> None:
    rig_id, token = commander.create_rig("long-poll")
    with commander.admin() as api, commander.sentry(token, timeout=30) as sentry:
        ids = addresses(api)
        assert sentry.get("/api/v1/sentry/playbooks?wait=1",
                          headers={"If-None-Match": '"0"'}).status_code == 304

        def change() -> None:
            time.sleep(1.0)
            with commander.admin() as other:
                other.post(f"/api/v1/rigs/{rig_id}/playbooks",
                           json={"name": "cpu", "yaml": GOOD, "address_ids": ids})

        thread = threading.Thread(target=change)
        started = time.monotonic()
        thread.start()
        answer = sentry.get("/api/v1/sentry/playbooks?wait=25", headers={"If-None-Match": '"0"'})
        thread.join()
        assert answer.status_code == 200 and answer.json()["revision"] == "1"
        assert time.monotonic() - started < 10


def test_pages_show_the_check_error_and_the_template(commander: CommanderProcess) -> None:
    rig_id, _ = commander.create_rig("page-rig")
    with commander.anonymous(follow_redirects=True) as browser:
        browser_login(browser)
        with commander.admin() as api:
            xmrig = next(s for s in api.get("/api/v1/software").json()["software"]
                         if s["name"] == "xmrig")
            ids = addresses(api)
        page = browser.get(f"/rigs/{rig_id}/playbooks", params={"software_id": xmrig["id"]})
        assert page.status_code == 200 and "{{ pool }}" in page.text
        answer = browser.post(f"/rigs/{rig_id}/playbooks", data={
            "csrf_token": csrf_from(page.text), "name": "cpu", "software_id": str(xmrig["id"]),
            "yaml": GOOD.replace("{{ pool }}", "{{ pol }}"),
            "address_ids": [str(i) for i in ids]})
        assert answer.status_code == 422
        assert "unknown placeholder {{ pol }}" in answer.text.replace("&#123;", "{")
        saved = browser.post(f"/rigs/{rig_id}/playbooks", data={
            "csrf_token": csrf_from(page.text), "name": "cpu", "software_id": str(xmrig["id"]),
            "yaml": GOOD, "address_ids": [str(i) for i in ids]})
        assert saved.status_code == 200 and "cpu" in saved.text
        overview = browser.get("/playbooks")
        assert overview.status_code == 200 and "page-rig" in overview.text


def test_an_address_in_use_cannot_be_deleted(commander: CommanderProcess) -> None:
    rig_id, _ = commander.create_rig("address-in-use")
    with commander.admin() as api:
        ids = addresses(api)
        saved = api.post(f"/api/v1/rigs/{rig_id}/playbooks",
                         json={"name": "cpu", "yaml": GOOD, "address_ids": ids})
        refused = api.delete(f"/api/v1/addresses/{ids[0]}")
        assert refused.status_code == 409 and "'cpu'" in refused.json()["error"]["message"]
        assert "used by the playbooks" in refused.json()["error"]["message"]
        api.delete(f"/api/v1/rigs/{rig_id}/playbooks/{saved.json()['id']}")
        assert api.delete(f"/api/v1/addresses/{ids[0]}").status_code == 204


def test_an_executable_template_uses_only_the_placeholders(commander: CommanderProcess) -> None:
    entry = {"name": "tmpl", "version": "1", "download_url": "https://example.invalid/t.tgz",
             "sha256": "b" * 64, "api_kind": "xmrig", "api_port": 18090,
             "executable_template": "t -o {{ pool }} -u {{ wallet }} --pass {{ password }}"}
    with commander.admin() as api:
        answer = api.post("/api/v1/software", json=entry)
        assert answer.status_code == 422
        assert "unknown placeholder {{ password }}" in answer.json()["error"]["message"]
        fixed = api.post("/api/v1/software", json={
            **entry, "executable_template": "t -o {{ pool }} --api {{ api_host }}:{{ api_port }}"})
        assert fixed.status_code == 201


def test_changing_an_address_or_software_in_use_bumps_the_rigs(
        commander: CommanderProcess) -> None:
    rig_id, token = commander.create_rig("bump-on-edit")
    with commander.admin() as api, commander.sentry(token) as sentry:
        pool, wallet = addresses(api)
        software = next(s for s in api.get("/api/v1/software").json()["software"]
                        if s["name"] == "trex")
        api.post(f"/api/v1/rigs/{rig_id}/playbooks", json={
            "name": "cpu", "yaml": GOOD, "address_ids": [pool, wallet],
            "software_id": software["id"]})
        before = sentry.get("/api/v1/sentry/playbooks").json()["revision"]
        api.put(f"/api/v1/addresses/{pool}", json={
            "type": "pool", "coin": "XMR", "label": "pool", "value": "pool2.example.org:4444"})
        after_address = sentry.get("/api/v1/sentry/playbooks").json()
        assert int(after_address["revision"]) == int(before) + 1
        assert after_address["playbooks"][0]["vars"]["pool"] == "pool2.example.org:4444"
        entry = {k: v for k, v in software.items() if k != "id"}
        api.put(f"/api/v1/software/{software['id']}", json={**entry, "sha256": "c" * 64})
        after_software = sentry.get("/api/v1/sentry/playbooks").json()
        assert int(after_software["revision"]) == int(before) + 2
        assert after_software["playbooks"][0]["software"]["sha256"] == "c" * 64
        assert api.delete(f"/api/v1/software/{software['id']}").status_code == 409
