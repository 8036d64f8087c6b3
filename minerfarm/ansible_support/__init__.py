"""Where Ansible is, for the sentry (ansible-runner) and the commander (``--syntax-check``), and
the minerfarm roles (``roles/``: ``install_miner``, ``launch_miner``) they both point it at.
Its own package so that the commander never imports the sentry.

``ansible-playbook`` is run as a subprocess of *this* Python: ``python -m
ansible.cli.playbook`` with this process's ``sys.path`` exported as ``PYTHONPATH``. That finds
ansible-core whether minerfarm runs from a virtualenv (nothing on ``PATH`` needed) or from the
zipapp (shiv extracts site-packages to ``~/.shiv``; console scripts are not extracted).
Requirement: ansible-core and ansible-runner installed with minerfarm (they are dependencies).
"""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path

ROLES_DIR = Path(__file__).resolve().parent / "roles"


def ansible_env(home: Path | None = None) -> dict[str, str]:
    """Environment for an Ansible subprocess: UTF-8 locale (ansible-core requires it), our
    roles, no colours, no per-user config picked up by accident."""
    env = {
        "PYTHONPATH": os.pathsep.join(p for p in sys.path if p),
        "LC_ALL": "C.UTF-8",
        "LANG": "C.UTF-8",
        "ANSIBLE_ROLES_PATH": str(ROLES_DIR),
        "ANSIBLE_NOCOLOR": "1",
        "ANSIBLE_FORCE_COLOR": "0",
        "ANSIBLE_LOCALHOST_WARNING": "False",
        "ANSIBLE_INVENTORY_UNPARSED_WARNING": "False",
        "ANSIBLE_RETRY_FILES_ENABLED": "False",
        "ANSIBLE_PIPELINING": "True",  # modules over stdin: fewer processes per task
        "ANSIBLE_PYTHON_INTERPRETER": sys.executable,
    }
    if home is not None:
        env["ANSIBLE_HOME"] = str(home)
        env["ANSIBLE_LOCAL_TEMP"] = str(home / "tmp")
        env["ANSIBLE_REMOTE_TEMP"] = str(home / "tmp")
    return env


def playbook_argv() -> list[str]:
    """``ansible-playbook`` as an argv prefix (options and the playbook follow)."""
    return [sys.executable, "-m", "ansible.cli.playbook"]


def playbook_binary(directory: Path) -> Path:
    """An ``ansible-playbook`` executable for ansible-runner (which wants one path): a two-line
    script in ``directory`` that runs ansible-core's CLI with this Python."""
    script = directory / "ansible-playbook"
    text = (f"#!{sys.executable}\n"
            "from ansible.cli.playbook import main\n"
            "main()\n")
    if not script.exists() or script.read_text() != text:
        directory.mkdir(parents=True, exist_ok=True)
        script.write_text(text)
        script.chmod(script.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return script
