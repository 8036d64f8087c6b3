"""Apply a playbook revision: stop every miner, remove every playbook, then per playbook run
it through Ansible (install the software if missing, write the launch script) and start the
miners whose playbook succeeded. Returns one ``POST /playbook-runs`` report per playbook."""

from __future__ import annotations

import asyncio
import logging
import shutil
import sys
import threading
from typing import Any

from minerfarm.ansible_support.failures import explain
from minerfarm.protocol.playbooks import API_HOST, DesiredPlaybook, DesiredPlaybooks, PlaybookRun
from minerfarm.sentry.playbooks.layout import Layout
from minerfarm.sentry.playbooks.runner import RunOutcome, run_playbook
from minerfarm.sentry.playbooks.supervisor import MinerSpec, Supervisor, reap_strays

log = logging.getLogger(__name__)


def extravars(layout: Layout, playbook: DesiredPlaybook) -> dict[str, Any]:
    """The placeholders (commander's ``vars``), the catalog entry and our paths."""
    software = playbook.software
    values: dict[str, Any] = {"api_host": API_HOST, **playbook.vars}
    values.update(launch_script=str(layout.launch_script(playbook.id)),
                  ansible_python_interpreter=sys.executable)
    if software is not None:
        values.update(
            api_port=software.api_port, software_name=software.name,
            software_version=software.version, software_url=software.download_url,
            software_sha256=software.sha256, miner_dir=str(layout.software_dir(software)),
        )
    return values


class Applier:
    def __init__(self, layout: Layout, supervisor: Supervisor) -> None:
        self.layout, self.supervisor = layout, supervisor
        self._lock = asyncio.Lock()

    async def remove_all(self) -> None:
        await self.supervisor.stop_all()
        await asyncio.to_thread(reap_strays, self.layout.pid_files(),
                                [self.layout.miners, self.layout.playbooks])
        await asyncio.to_thread(shutil.rmtree, self.layout.playbooks, True)

    async def apply(self, desired: DesiredPlaybooks,
                    only: set[int] | None = None) -> list[PlaybookRun]:
        """Apply the revision: every playbook, after removing everything; with ``only``, just
        those playbooks again (a retry of failed ones: the miners that run keep running)."""
        async with self._lock:
            revision = desired.revision
            if only is None:
                await self.remove_all()
            runs: list[PlaybookRun] = []
            ready: list[MinerSpec] = []
            for playbook in desired.playbooks:
                if only is not None and playbook.id not in only:
                    continue
                outcome = await self._run(playbook)
                runs.append(outcome.report(revision, playbook.id))
                spec = self._spec(playbook)
                if outcome.status == "success" and spec.script.exists():
                    ready.append(spec)
                elif outcome.status == "failed":
                    words = explain(outcome.failed_task, outcome.message)
                    log.warning("playbook %s (%s) of revision %s failed: %s", playbook.id,
                                playbook.name or "unnamed", revision, words.sentence)
            for spec in ready:
                self.supervisor.start(spec)
            failed = sum(1 for run in runs if run.status == "failed")
            (log.warning if failed else log.info)(
                "revision %s applied: %d playbooks, %d failed, %d miners started", revision,
                len(runs), failed, len(ready))
            return runs

    async def restart_miners(self, playbook_id: int | None = None) -> list[int]:
        """Restart one playbook's miner (None: every miner); the ids restarted. Never while a
        revision is being applied."""
        async with self._lock:
            wanted = [spec.playbook_id for spec in self.supervisor.running()
                      if playbook_id is None or spec.playbook_id == playbook_id]
            return [i for i in wanted if await self.supervisor.restart(i)]

    def miner_pid(self, playbook_id: int) -> int | None:
        """The running miner's pid (None: none runs for that playbook)."""
        return self.supervisor.pid(playbook_id)

    async def _run(self, playbook: DesiredPlaybook) -> RunOutcome:
        private_dir = self.layout.playbook_dir(playbook.id) / "runner"
        cancel = threading.Event()
        try:
            return await asyncio.to_thread(
                run_playbook, private_dir, playbook.yaml,
                extravars(self.layout, playbook), self.layout.ansible_home, cancel=cancel)
        except asyncio.CancelledError:
            cancel.set()  # the thread cannot be cancelled: make ansible-runner stop
            raise
        except Exception as exc:  # ansible-runner itself broke: report it, keep the others
            log.exception("playbook %s could not be run", playbook.id)
            return RunOutcome("failed", "(ansible-runner)", f"{type(exc).__name__}: {exc}")

    def _spec(self, playbook: DesiredPlaybook) -> MinerSpec:
        software = playbook.software
        return MinerSpec(
            playbook_id=playbook.id, script=self.layout.launch_script(playbook.id),
            log_file=self.layout.log_file(playbook.id),
            pid_file=self.layout.pid_file(playbook.id),
            api_kind=software.api_kind if software else None,
            api_port=(software.api_port or None) if software else None,
        )
