"""Supervised miners: restarted with backoff when they die, stopped as a process group, and
reaped after a sentry that was killed left them running."""

from __future__ import annotations

import asyncio
import os
import signal
from pathlib import Path

import psutil

from minerfarm.aio import Backoff
from minerfarm.sentry.playbooks.layout import Layout
from minerfarm.sentry.playbooks.supervisor import (
    MinerSpec,
    Supervisor,
    reap_strays,
)


def _miner(layout: Layout, playbook_id: int) -> MinerSpec:
    """A launch script like launch_miner's: cd into the software, exec the 'miner'."""
    software = layout.miners / "sleepy-1.0"
    software.mkdir(parents=True, exist_ok=True)
    script = layout.launch_script(playbook_id)
    script.parent.mkdir(parents=True, exist_ok=True)
    script.write_text(f"#!/bin/sh\ncd '{software}' || exit 1\necho mining\nexec sleep 300\n")
    script.chmod(0o755)
    return MinerSpec(playbook_id, script, layout.log_file(playbook_id),
                     pid_file=layout.pid_file(playbook_id))


async def _until(check: object, timeout: float = 10.0) -> None:
    for _ in range(int(timeout / 0.05)):
        if callable(check) and check():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("condition not met in time")


async def test_a_dead_miner_is_restarted_and_stop_ends_its_group(tmp_path: Path) -> None:
    layout = Layout(tmp_path)
    lines: list[str] = []
    supervisor = Supervisor(lambda _id, line: lines.append(line),
                            Backoff(base_s=0.1, max_s=1.0, jitter=False))
    supervisor.start(_miner(layout, 1))
    await _until(lambda: supervisor.pid(1) and "mining" in lines)
    first = supervisor.pid(1)
    assert first is not None
    os.kill(first, signal.SIGKILL)
    await _until(lambda: supervisor.pid(1) not in (None, first))
    assert any("exited with code -9" in line for line in lines)
    second = supervisor.pid(1)
    await supervisor.stop_all()
    assert second is not None and not psutil.pid_exists(second)
    assert not layout.pid_file(1).exists()
    assert "mining" in layout.log_file(1).read_text()


def _gone(pid: int) -> bool:
    """Exited, or a zombie (the process may vanish between two questions: then it is gone)."""
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


async def test_miners_left_by_a_killed_sentry_are_reaped(tmp_path: Path) -> None:
    layout = Layout(tmp_path)
    lines: list[str] = []
    supervisor = Supervisor(lambda _id, line: lines.append(line))
    supervisor.start(_miner(layout, 2))
    await _until(lambda: supervisor.pid(2) and layout.pid_file(2).exists() and lines)
    orphan = supervisor.pid(2)
    assert orphan is not None
    for miner in supervisor._miners.values():  # the sentry dies: nothing stops the miner
        miner.task.cancel()
    await asyncio.sleep(0.1)
    assert psutil.pid_exists(orphan)
    assert reap_strays(layout.pid_files(), [layout.miners, layout.playbooks]) == [orphan]
    await _until(lambda: _gone(orphan))
