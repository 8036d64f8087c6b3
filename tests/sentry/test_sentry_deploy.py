"""The Ansible deployment: the playbook parses, and its admin-API tasks get a working token
from a real commander (201 for a new rig, 409 then regenerate for a taken name)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support import PASSWORD, REPO, CommanderProcess

PLAYBOOKS = REPO / "ansible" / "playbooks"
ANSIBLE_BIN = Path(sys.executable).parent


def ansible_playbook(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "ANSIBLE_NOCOLOR": "1", "ANSIBLE_HOST_KEY_CHECKING": "0",
           "ANSIBLE_LOCAL_TEMP": str(cwd / "tmp"), "ANSIBLE_REMOTE_TEMP": str(cwd / "tmp")}
    return subprocess.run([str(ANSIBLE_BIN / "ansible-playbook"), *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=120)


def test_the_deploy_playbook_parses(tmp_path: Path) -> None:
    done = ansible_playbook("--syntax-check", "-i", "localhost,",
                            str(PLAYBOOKS / "deploy-sentry.yml"), cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.slow
def test_the_token_tasks_create_the_rig_or_regenerate_its_token(
        commander: CommanderProcess, tmp_path: Path) -> None:
    out = tmp_path / "tokens.jsonl"
    harness = tmp_path / "harness.yml"
    harness.write_text(f"""
- hosts: localhost
  connection: local
  gather_facts: false
  vars:
    minerfarm_commander_url: "{commander.url}"
    minerfarm_admin_password: "{PASSWORD}"
    minerfarm_commander_ca: "{commander.cert}"
    minerfarm_kind: cpu_gpu
    minerfarm_rig_name: deployed-rig
    minerfarm_no_log: false
    ansible_python_interpreter: "{sys.executable}"
  tasks:
    - ansible.builtin.include_tasks: {PLAYBOOKS / "tasks" / "token.yml"}
    - ansible.builtin.copy:
        dest: "{out}"
        content: "{{{{ minerfarm_token | to_json }}}}\\n"
""")
    tokens = []
    for _ in range(2):  # first run creates the rig; the second finds the name taken
        done = ansible_playbook("-i", "localhost,", str(harness), cwd=tmp_path)
        assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
        tokens.append(json.loads(out.read_text()))
    assert tokens[0] != tokens[1]
    with commander.sentry(tokens[0]) as old, commander.sentry(tokens[1]) as new:
        assert old.get("/api/v1/sentry/hello").status_code == 401  # regenerated
        assert new.get("/api/v1/sentry/hello").json()["rig"]["name"] == "deployed-rig"
