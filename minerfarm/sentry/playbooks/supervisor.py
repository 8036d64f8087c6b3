"""Miners as supervised processes: each launch script runs as an asyncio subprocess (an argv
list, no shell of ours) in its own process group (so stopping it stops whatever it started),
its console goes to a rotating log and to the log shipper, and a miner that exits is
restarted with exponential backoff (reset once it has run for a while)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from minerfarm.aio import Backoff
from minerfarm.protocol.playbooks import LOG_LINE_MAX
from minerfarm.sentry.playbooks.rotating import RotatingLog

log = logging.getLogger(__name__)
LineSink = Callable[[int, str], None]  # (playbook_id, line)


@dataclass(frozen=True)
class MinerSpec:
    playbook_id: int
    script: Path
    log_file: Path
    api_kind: str | None = None  # the adapter that reads it (catalog ``api_kind``)
    api_port: int | None = None
    pid_file: Path | None = None  # the running miner's process group, for a restarted sentry


# Restarts are not jittered: one rig's miners do not stampede anything by coming back together.
RESTART_BACKOFF = Backoff(base_s=1.0, max_s=60.0, jitter=False)
STABLE_S = 60.0  # a miner that ran this long: its next crash starts the backoff over


class _Supervised:
    def __init__(self, spec: MinerSpec, sink: LineSink, backoff: Backoff,
                 stable_s: float) -> None:
        self.spec, self.sink, self.backoff, self.stable_s = spec, sink, backoff, stable_s
        self.console = RotatingLog(spec.log_file)
        self.process: asyncio.subprocess.Process | None = None
        self.starts = 0
        self.task = asyncio.create_task(self._run(), name=f"miner-{spec.playbook_id}")

    def _say(self, line: str) -> None:
        self.console.write(line)
        self.sink(self.spec.playbook_id, line)

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            started = loop.time()
            self.process = await asyncio.create_subprocess_exec(
                str(self.spec.script), cwd=self.spec.script.parent, start_new_session=True,
                stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.STDOUT,
            )
            self.starts += 1
            if self.spec.pid_file is not None:
                self.spec.pid_file.write_text(f"{self.process.pid}\n")
            assert self.process.stdout is not None
            async for raw in self.process.stdout:
                self._say(raw.decode(errors="replace").rstrip("\r\n")[:LOG_LINE_MAX])
            code = await self.process.wait()
            if loop.time() - started >= self.stable_s:
                self.backoff.reset()
            delay = self.backoff.next()
            self._say(f"[minerfarm] miner exited with code {code}; restarting in {delay:.0f} s")
            log.warning("miner of playbook %s exited with %s", self.spec.playbook_id, code)
            await asyncio.sleep(delay)

    async def stop(self, grace_s: float = 10.0) -> None:
        self.task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self.task
        if self.spec.pid_file is not None:
            self.spec.pid_file.unlink(missing_ok=True)
        process = self.process
        if process is None or process.returncode is not None:
            return
        _signal_group(process.pid, signal.SIGTERM)
        try:
            await asyncio.wait_for(process.wait(), grace_s)
        except TimeoutError:
            _signal_group(process.pid, signal.SIGKILL)
            await process.wait()
        self._say(f"[minerfarm] miner stopped (exit code {process.returncode})")


def _signal_group(pid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, sig)  # the miner leads its own group (start_new_session)


class Supervisor:
    def __init__(self, sink: LineSink, backoff: Backoff | None = None, *,
                 stable_s: float = STABLE_S) -> None:
        self.sink, self.backoff, self.stable_s = sink, backoff or RESTART_BACKOFF, stable_s
        self._miners: dict[int, _Supervised] = {}

    def start(self, spec: MinerSpec) -> None:
        if spec.playbook_id in self._miners:
            raise RuntimeError(f"playbook {spec.playbook_id}'s miner is already running")
        self._miners[spec.playbook_id] = _Supervised(spec, self.sink, self.backoff.fresh(),
                                                   self.stable_s)

    async def restart(self, playbook_id: int) -> bool:
        """Stop the playbook's miner and start it again (a fresh backoff); False: none runs."""
        miner = self._miners.pop(playbook_id, None)
        if miner is None:
            return False
        await miner.stop()
        self.start(miner.spec)
        return True

    async def stop_all(self) -> None:
        miners, self._miners = list(self._miners.values()), {}
        await asyncio.gather(*(m.stop() for m in miners))

    def running(self) -> list[MinerSpec]:
        return [m.spec for m in self._miners.values()]

    def pid(self, playbook_id: int) -> int | None:
        miner = self._miners.get(playbook_id)
        process = miner.process if miner else None
        return process.pid if process and process.returncode is None else None


def reap_strays(pid_files: list[Path], owned_roots: list[Path]) -> list[int]:
    """Stop miners a previous sentry left running (it was killed, or crashed): each pid file
    names a process group; it is killed only if that process still runs from under one of
    ``owned_roots`` (the sentry's ``miners/`` or ``playbooks/``), so a reused pid is left
    alone. Blocking."""
    import psutil

    killed = []
    for pid_file in pid_files:
        try:
            pid = int(pid_file.read_text().strip())
            cwd = Path(psutil.Process(pid).cwd())
        except (OSError, ValueError, psutil.Error):
            pid_file.unlink(missing_ok=True)
            continue
        if any(cwd.is_relative_to(root.resolve()) for root in owned_roots):
            log.warning("stopping miner process group %d left by a previous sentry", pid)
            _signal_group(pid, signal.SIGKILL)
            killed.append(pid)
        pid_file.unlink(missing_ok=True)
    return killed
