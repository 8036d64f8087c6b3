"""The remote actions a browser sees: the rig page's buttons (reboot disabled with the reason
while its sentry does not allow it), forms that need the CSRF token, the result and the
history on the page; the index's form for several rigs. ASIC sentries get no buttons."""

from __future__ import annotations

import html
import re

from tests.support import CommanderProcess, browser_login, csrf_from


def _history_rows(page: str) -> list[str]:
    table = page.split('id="action-history"', 1)
    return re.findall(r"<tr><td>.*?</tr>", table[1], re.S) if len(table) > 1 else []


def test_rig_page_buttons_csrf_result_and_history(commander: CommanderProcess) -> None:
    rig_id, token = commander.create_rig("page-actions")
    with commander.sentry(token) as sentry:  # the sentry says what it runs (no reboot)
        answer = sentry.get("/api/v1/sentry/playbooks",
                            params={"actions": "restart_miner,reapply_playbooks"})
        assert answer.status_code == 200 and answer.json()["actions"] == []
    asic_id, _ = commander.create_rig("page-actions-asics", kind="asic")
    with commander.anonymous(follow_redirects=True) as browser:
        browser_login(browser)
        page = browser.get(f"/rigs/{rig_id}").text
        assert "Remote actions" in page and "No actions yet." in page
        reboot = re.search(r"<button[^>]*>Reboot rig</button>", page)
        assert reboot and "disabled" in reboot.group(0)
        assert "allow_reboot" in html.unescape(page.split('id="reboot-disabled"')[1][:200])
        token = csrf_from(page)

        forged = browser.post(f"/rigs/{rig_id}/actions", data={"kind": "reapply_playbooks"})
        assert forged.status_code == 403
        assert _history_rows(browser.get(f"/rigs/{rig_id}").text) == []

        sent = browser.post(f"/rigs/{rig_id}/actions",
                            data={"csrf_token": token, "kind": "reapply_playbooks"})
        assert sent.status_code == 202
        assert "re-apply playbooks sent to the rig" in sent.text
        [row] = _history_rows(sent.text)
        assert "reapply playbooks" in row and "admin (rig page)" in row and "pending" in row

        twice = browser.post(f"/rigs/{rig_id}/actions",
                             data={"csrf_token": token, "kind": "reapply_playbooks"})
        assert twice.status_code == 429 and "try again in 60 s" in twice.text
        reboot_anyway = browser.post(f"/rigs/{rig_id}/actions",
                                     data={"csrf_token": token, "kind": "reboot"})
        assert reboot_anyway.status_code == 409 and "reboots are off" in reboot_anyway.text
        assert len(_history_rows(reboot_anyway.text)) == 1

        assert "Remote actions" not in browser.get(f"/rigs/{asic_id}").text

        index = browser.get("/").text
        assert 'formaction="/actions"' in index and "page-actions" in index
        nothing = browser.post("/actions", data={"csrf_token": token, "kind": "restart_miner"})
        assert nothing.status_code == 422 and "pick at least one rig" in nothing.text
        bulk = browser.post("/actions", data={"csrf_token": token, "kind": "restart_miner",
                                              "rig_ids": [str(rig_id)]})
        assert bulk.status_code == 200
        assert "page-actions: restart miner sent to the rig" in html.unescape(bulk.text)
