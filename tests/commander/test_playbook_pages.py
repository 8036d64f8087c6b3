"""The playbook pages as a browser uses them: apply one playbook to several rigs, edit one,
delete one; check errors are shown on the page."""

from __future__ import annotations

from tests.commander.playbook_helpers import GOOD, addresses
from tests.support import CommanderProcess, browser_login, csrf_from


def test_apply_to_several_rigs_then_edit_and_delete(commander: CommanderProcess) -> None:
    rigs = [commander.create_rig(f"page-many-{i}")[0] for i in range(3)]
    with commander.admin() as api:
        ids = addresses(api)
    with commander.anonymous(follow_redirects=True) as browser:
        browser_login(browser)
        index = browser.get("/playbooks")
        assert all(f"page-many-{i}" in index.text for i in range(3))
        token = csrf_from(index.text)
        form = {"csrf_token": token, "name": "gpu", "yaml": GOOD,
                "address_ids": [str(i) for i in ids]}
        none_picked = browser.post("/playbooks/apply", data=form)
        assert none_picked.status_code == 422 and "pick at least one rig" in none_picked.text
        applied = browser.post("/playbooks/apply",
                               data={**form, "rig_ids": [str(r) for r in rigs[:2]]})
        assert applied.status_code == 200
        with commander.admin() as api:
            counts = [len(api.get(f"/api/v1/rigs/{r}/playbooks").json()["playbooks"])
                      for r in rigs]
            playbook_id = api.get(f"/api/v1/rigs/{rigs[0]}/playbooks").json()[
                "playbooks"][0]["id"]
        assert counts == [1, 1, 0]

        edit = browser.get(f"/rigs/{rigs[0]}/playbooks/{playbook_id}")
        assert edit.status_code == 200 and "miner/bin" in edit.text
        broken = browser.post(f"/rigs/{rigs[0]}/playbooks/{playbook_id}", data={
            **form, "yaml": GOOD.replace("install_miner", "no_such_role")})
        assert broken.status_code == 422 and "syntax-check failed" in broken.text
        saved = browser.post(f"/rigs/{rigs[0]}/playbooks/{playbook_id}",
                             data={**form, "name": "gpu renamed"})
        assert saved.status_code == 200 and "gpu renamed" in saved.text
        browser.post(f"/rigs/{rigs[0]}/playbooks/{playbook_id}/delete",
                     data={"csrf_token": token})
        with commander.admin() as api:
            listed = api.get(f"/api/v1/rigs/{rigs[0]}/playbooks").json()
        assert listed["playbooks"] == [] and listed["revision"] == "3"
