"""Address templates, the software catalog, playbooks and what sentries send back about them."""

from __future__ import annotations

from tests.support import CommanderProcess, utc_ts

PLAYBOOK = """\
- hosts: localhost
  connection: local
  gather_facts: false
  tasks:
    - name: say hello
      ansible.builtin.debug:
        msg: hello
"""

SOFTWARE = {"name": "xmrig", "version": "6.22.1",
            "download_url": "https://example.invalid/xmrig-6.22.1-linux-static-x64.tar.gz",
            "sha256": "a" * 64, "executable_template": "xmrig -o {{ pool }} -u {{ wallet }}",
            "api_kind": "xmrig", "api_port": 18080}


def test_addresses_validate_pools_and_wallets(commander: CommanderProcess) -> None:
    with commander.admin() as api:
        for value in ("stratum+tcp://pool.example.org:3333", "stratum+ssl://eu.pool.io:443",
                      "pool.example.org:4444"):
            answer = api.post("/api/v1/addresses", json={"type": "pool", "coin": "XMR",
                                                         "label": "p", "value": value})
            assert answer.status_code == 201, value
        for value in ("http://pool:3333", "pool.example.org", "stratum+tcp://pool:99999",
                      "pool:33; rm -rf /"):
            answer = api.post("/api/v1/addresses", json={"type": "pool", "coin": "XMR",
                                                         "label": "p", "value": value})
            assert answer.status_code == 422, value
        bad_wallet = api.post("/api/v1/addresses", json={"type": "wallet", "coin": "XMR",
                                                          "label": "w", "value": "$(reboot)"})
        assert bad_wallet.status_code == 422
        listed = api.get("/api/v1/addresses").json()["addresses"]
        assert len(listed) == 3


def test_software_crud(commander: CommanderProcess) -> None:
    with commander.admin() as api:
        created = api.post("/api/v1/software", json=SOFTWARE)
        assert created.status_code == 201
        entry = created.json()
        assert api.post("/api/v1/software", json=SOFTWARE).status_code == 409
        changed = api.put(f"/api/v1/software/{entry['id']}", json={**SOFTWARE, "api_port": 18081})
        assert changed.json()["api_port"] == 18081
        assert api.post("/api/v1/software", json={**SOFTWARE, "sha256": "xyz"}).status_code == 422
        assert api.delete(f"/api/v1/software/{entry['id']}").status_code == 204
        assert api.get(f"/api/v1/software/{entry['id']}").status_code == 404


def test_playbook_changes_bump_the_revision_the_sentry_sees(commander: CommanderProcess) -> None:
    rig_id, token = commander.create_rig("playbook-rig")
    with commander.admin() as api, commander.sentry(token) as sentry:
        first = sentry.get("/api/v1/sentry/playbooks")
        assert first.status_code == 200 and first.json() == {"revision": "0", "playbooks": []}
        assert sentry.get("/api/v1/sentry/playbooks",
                          headers={"If-None-Match": '"0"'}).status_code == 304

        created = api.post(f"/api/v1/rigs/{rig_id}/playbooks",
                           json={"name": "cpu", "yaml": PLAYBOOK})
        assert created.status_code == 201
        changed = sentry.get("/api/v1/sentry/playbooks", headers={"If-None-Match": '"0"'})
        assert changed.status_code == 200
        assert changed.json()["revision"] == "1"
        assert changed.json()["playbooks"][0]["yaml"] == PLAYBOOK

        playbook_id = created.json()["id"]
        assert api.delete(f"/api/v1/rigs/{rig_id}/playbooks/{playbook_id}").status_code == 204
        assert sentry.get("/api/v1/sentry/playbooks").json() == {"revision": "2",
                                                                 "playbooks": []}


def test_playbook_yaml_is_checked(commander: CommanderProcess) -> None:
    rig_id, _ = commander.create_rig("bad-yaml-rig")
    with commander.admin() as api:
        broken = api.post(f"/api/v1/rigs/{rig_id}/playbooks",
                          json={"name": "x", "yaml": "- hosts: [unclosed"})
        assert broken.status_code == 422
        assert "not valid YAML" in broken.json()["error"]["message"]
        not_plays = api.post(f"/api/v1/rigs/{rig_id}/playbooks",
                             json={"name": "x", "yaml": "just: a mapping"})
        assert not_plays.status_code == 422


def test_playbook_runs_and_logs_are_accepted(commander: CommanderProcess) -> None:
    _, token = commander.create_rig("runs-rig")
    with commander.sentry(token) as sentry:
        run = sentry.post("/api/v1/sentry/playbook-runs",
                          json={"revision": "1", "status": "failed",
                                "failed_task": "download miner", "message": "HTTP 404"})
        assert run.status_code == 202
        logs = sentry.post("/api/v1/sentry/logs", json={"lines": [
            {"ts": utc_ts(), "line": "[12:00:00] speed 10s/60s/15m 1234.5 H/s"}
        ]})
        assert logs.status_code == 202 and logs.json() == {"accepted": 1}
        empty = sentry.post("/api/v1/sentry/logs", json={"lines": []})
        assert empty.status_code == 422
