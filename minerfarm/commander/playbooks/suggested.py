"""The playbook a software entry suggests: the minerfarm roles, and the miner's command line
from the entry's executable template, one list item per argument (so a value is never split
or shell-interpreted: the launch_miner role quotes each item)."""

from __future__ import annotations

import json
import re

from minerfarm.commander.db.models import MiningSoftware
from minerfarm.protocol.playbooks import PLACEHOLDERS, placeholder

# An argument: runs of non-blanks, where a {{ ... }} expression counts as one piece.
_ARGUMENT = re.compile(r"(?:\{\{.*?\}\}|\{(?!\{)|[^\s{])+")


def template_argv(executable_template: str) -> list[str]:
    """``xmrig -o {{ pool }} -u {{ wallet }}`` -> ``["xmrig", "-o", "{{ pool }}", ...]``."""
    return _ARGUMENT.findall(executable_template)


def playbook_template(software: MiningSoftware) -> str:
    argv = "\n".join(f"          - {json.dumps(a)}" for a in template_argv(
        software.executable_template))
    names = ", ".join(placeholder(n) for n in PLACEHOLDERS)
    return f"""\
# {software.name} {software.version}: installed (sha256 checked) and launched on the rig by
# minerfarm's roles; the sentry supervises the miner and reads its API ({software.api_kind},
# port {software.api_port}). Placeholders, filled in on the rig:
# {names}.
- name: {json.dumps(f"{software.name} {software.version}")}
  hosts: localhost
  connection: local
  gather_facts: false
  roles:
    - role: install_miner
    - role: launch_miner
      vars:
        miner_argv:
{argv}
"""
