"""Where the sentry keeps what playbooks install and start, under its config dir.

``miners/<name>-<version>-<sha12>/``  unpacked mining software (kept across revisions)
``miners/<…>/.download``              the verified archive
``playbooks/<id>/``                   one playbook: ansible-runner's private data dir, launch.sh
``playbooks/.ansible/``               Ansible's home and temp files
``logs/playbook-<id>.log``            the miner's console (rotated)
``playbook-state/applied.json``      the last revision applied (a restarted sentry resumes it)
``playbook-state/actions.json``      remote actions run, with their outcomes (each runs once)

All of these (:meth:`Layout.state_dirs`) are removed when the rig is.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from minerfarm.protocol.playbooks import PlaybookSoftware

_UNSAFE = re.compile(r"[^A-Za-z0-9._+-]")


@dataclass(frozen=True)
class Layout:
    root: Path

    @property
    def miners(self) -> Path:
        return self.root / "miners"

    @property
    def playbooks(self) -> Path:
        return self.root / "playbooks"

    @property
    def logs(self) -> Path:
        return self.root / "logs"

    @property
    def ansible_home(self) -> Path:
        return self.playbooks / ".ansible"

    def software_dir(self, software: PlaybookSoftware) -> Path:
        name = _UNSAFE.sub("_", f"{software.name}-{software.version}")
        return self.miners / f"{name}-{(software.sha256 or 'unverified')[:12]}"

    def playbook_dir(self, playbook_id: int) -> Path:
        return self.playbooks / str(int(playbook_id))

    def launch_script(self, playbook_id: int) -> Path:
        return self.playbook_dir(playbook_id) / "launch.sh"

    def pid_file(self, playbook_id: int) -> Path:
        return self.playbook_dir(playbook_id) / "miner.pid"

    def pid_files(self) -> list[Path]:
        return sorted(self.playbooks.glob("*/miner.pid"))

    @property
    def applied(self) -> Path:
        return self.root / "playbook-state" / "applied.json"

    @property
    def actions(self) -> Path:
        return self.root / "playbook-state" / "actions.json"

    def log_file(self, playbook_id: int) -> Path:
        return self.logs / f"playbook-{int(playbook_id)}.log"

    def state_dirs(self) -> list[Path]:
        return [self.miners, self.playbooks, self.logs, self.applied.parent]
