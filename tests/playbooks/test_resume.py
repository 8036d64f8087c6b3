"""Miners on a rig with real Ansible and real processes: a sentry that was killed comes back
with its miners (it reaps the ones left running and resumes the last applied revision at once,
even while the commander is unreachable); several playbooks run side by side."""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path
from typing import Any

import psutil
import pytest

from minerfarm.agent.client import CommanderUnreachable
from minerfarm.protocol.playbooks import DesiredPlaybooks, PlaybookRun
from minerfarm.sentry.playbooks.applier import Applier
from minerfarm.sentry.playbooks.layout import Layout
from minerfarm.sentry.playbooks.supervisor import Supervisor
from minerfarm.sentry.playbooks.watcher import PlaybookWatcher
from tests.commander.playbook_helpers import GOOD
from tests.playbooks.helpers import download_server, fake_miner_tarball, miner_processes
from tests.support import free_port

pytestmark = pytest.mark.slow
POOL = "stratum+tcp://pool.resume.example:3333"


class Commander:
    """Stands for the network: answers ``answers`` in turn, then is unreachable."""

    def __init__(self, *answers: dict[str, Any]) -> None:
        self.answers = list(answers)
        self.runs: list[dict[str, Any]] = []

    async def wait_for_playbooks(self, revision: str | None,
                                 wait_s: float) -> DesiredPlaybooks | None:
        if self.answers:
            return DesiredPlaybooks.model_validate(self.answers.pop(0))
        await asyncio.sleep(0.2)
        raise CommanderUnreachable("connection refused")

    async def post_playbook_run(self, run: PlaybookRun) -> None:
        if not self.answers:
            raise CommanderUnreachable("connection refused")
        self.runs.append(run.model_dump(mode="json", exclude_none=True))


async def _until(check: Any, timeout: float = 30.0) -> Any:
    for _ in range(int(timeout / 0.1)):
        value = check()
        if value:
            return value
        await asyncio.sleep(0.1)
    raise AssertionError("not in time")


async def test_a_restarted_sentry_resumes_its_miners_without_the_commander(
        tmp_path: Path) -> None:
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    tarball, sha256 = fake_miner_tarball(downloads)
    layout = Layout(tmp_path / "sentry")
    with download_server(downloads) as base_url:
        desired = {"revision": "5", "playbooks": [{
            "id": 1, "name": "cpu",
            "yaml": GOOD.replace('"miner/bin"', '"fakeminer/xmrig"').replace(
                '"{{ wallet }}.{{ worker }}"', '"{{ wallet }}", "--http-port", "{{ api_port }}"'),
            "vars": {"pool": POOL, "wallet": "4Resume", "worker": "r"},
            "software": {"name": "fakexmrig", "version": "1.0", "sha256": sha256,
                         "download_url": f"{base_url}/{tarball.name}", "api_kind": "xmrig",
                         "api_port": free_port()}}]}
        first = Supervisor(lambda _id, _line: None)
        watcher = PlaybookWatcher(Commander(desired), Applier(layout, first),
                                  state_file=layout.applied)
        task = asyncio.create_task(watcher.run())
        orphan = (await _until(lambda: miner_processes(POOL)))[0].pid
        # the sentry is killed: its tasks end, nothing stops the miner
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        for miner in first._miners.values():
            miner.task.cancel()
        assert psutil.pid_exists(orphan) and layout.applied.exists()

    # restarted, with the commander (and the download server) gone
    second = Supervisor(lambda _id, _line: None)
    watcher = PlaybookWatcher(Commander(), Applier(layout, second), state_file=layout.applied)
    task = asyncio.create_task(watcher.run())
    try:
        resumed = await _until(lambda: [p for p in miner_processes(POOL) if p.pid != orphan])
        assert len(resumed) == 1
        gone = not psutil.pid_exists(orphan) or \
            psutil.Process(orphan).status() == psutil.STATUS_ZOMBIE
        assert gone
        assert watcher.revision == "5"
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await second.stop_all()


async def test_a_rig_runs_several_playbooks_at_once(tmp_path: Path) -> None:
    """A CPU and a 'GPU' miner side by side, each read by its adapter on its own port."""
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    tarball, sha256 = fake_miner_tarball(downloads)
    layout = Layout(tmp_path / "sentry")
    supervisor = Supervisor(lambda _id, _line: None)
    ports = [free_port(), free_port()]
    with download_server(downloads) as base_url:
        software = {"name": "fakexmrig", "version": "1.0", "sha256": sha256,
                    "download_url": f"{base_url}/{tarball.name}", "api_kind": "xmrig"}
        playbooks = [{
            "id": playbook_id, "name": f"miner {playbook_id}",
            "yaml": GOOD.replace('"miner/bin"', '"fakeminer/xmrig"').replace(
                '"{{ wallet }}.{{ worker }}"', '"{{ wallet }}", "--http-port", "{{ api_port }}"'),
            "vars": {"pool": f"{POOL}{playbook_id}", "wallet": "4Both", "worker": "r"},
            "software": {**software, "api_port": port}}
            for playbook_id, port in zip((1, 2), ports, strict=True)]
        try:
            runs = await Applier(layout, supervisor).apply(DesiredPlaybooks.model_validate({
                "revision": "2", "playbooks": playbooks}))
            assert [r.status for r in runs] == ["success", "success"]
            running = {spec.playbook_id: spec.api_port for spec in supervisor.running()}
            assert running == {1: ports[0], 2: ports[1]}
            await _until(lambda: len(miner_processes(POOL)) == 2)
        finally:
            await supervisor.stop_all()
