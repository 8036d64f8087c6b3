"""The zipapp runs Ansible: ``ansible-playbook`` from the zipapp's extracted site-packages, with
nothing of the virtualenv on PATH (the rig has only ``python3`` and ``minerfarm.pyz``)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.support import REPO

pytestmark = pytest.mark.slow

PROBE = """
import asyncio, tempfile
from pathlib import Path
import minerfarm
from minerfarm.commander.playbooks.check import syntax_check
from minerfarm.sentry.playbooks.runner import run_playbook
import ansible, ansible_runner
for module in (minerfarm, ansible, ansible_runner):
    assert "minerfarm.pyz" in module.__file__, module.__file__
tmp = Path(tempfile.mkdtemp())
yaml = '''- name: t
  hosts: localhost
  connection: local
  gather_facts: false
  roles:
    - role: install_miner
'''
asyncio.run(syntax_check(yaml))
outcome = run_playbook(tmp / "pb", yaml, {"software_name": "x", "software_version": "1",
                       "software_url": "", "software_sha256": "", "miner_dir": str(tmp)},
                       tmp / "home")
print("OUTCOME", outcome.failed_task, "|", outcome.message)
"""


def test_the_zipapp_runs_playbooks_without_the_virtualenv(tmp_path: Path) -> None:
    pyz = tmp_path / "minerfarm.pyz"
    shiv = Path(sys.executable).with_name("shiv")
    subprocess.run([str(shiv), "--compressed", "-c", "minerfarm", "-o", str(pyz), str(REPO)],
                   check=True, cwd=REPO, capture_output=True, timeout=300)
    python = Path(sys.base_prefix) / "bin" / "python3"  # the interpreter, not the venv's
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "SHIV_ROOT": str(tmp_path / "shiv"),
           "SHIV_INTERPRETER": "1"}
    # -S: not the interpreter's own site-packages (this one may have an ansible of its own)
    probe = tmp_path / "probe.py"
    probe.write_text(PROBE)
    done = subprocess.run([str(python), "-S", str(pyz)],
                          input=f"exec(open({str(probe)!r}).read())\n", text=True, env=env,
                          cwd=tmp_path, capture_output=True, timeout=300)
    out = done.stdout + done.stderr
    assert "OUTCOME install_miner : Check the catalog entry of x 1 | x 1 has no verified sha256" \
        in out, out[-3000:]
