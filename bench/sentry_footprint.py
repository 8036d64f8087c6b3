"""CPU/GPU sentry footprint: RSS and CPU of ``minerfarm sentry run`` reporting two simulated
miners to a real commander (goal: < 40 MB RSS, < 0.5 % of one core at a 10 s interval).

Baseline measured in the same run: a bare interpreter that does what any asyncio HTTPS client
with typed models does (asyncio, ssl with a context, h11 as the sentry's minerfarm.http11
loads it, one pydantic model) and idles; the difference is the sentry's own cost. Also lists
the heavyweight modules the sentry process loaded (it must not load the commander's Quart,
SQLAlchemy, Alembic or argon2, nor httpx: about 5 MB) and those it must load only when a
playbook runs.

Usage: python bench/sentry_footprint.py [--seconds 60] [--interval 10]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.sentry.sentry_run_helpers import (
    enroll,
    simulated_miners,
    stored_reports,
    write_sentry_config,
)
from tests.support import REPO, CommanderProcess

BASELINE = ("import minerfarm.lean; minerfarm.lean.skip_unused_parts(); "
            "import asyncio, ssl, pydantic, time, minerfarm.http11; "
            "ssl.create_default_context(); "
            "type('M', (pydantic.BaseModel,), {'__annotations__': {'x': int}}); "
            "time.sleep(3600)")
FORBIDDEN = ("quart", "hypercorn", "sqlalchemy", "alembic", "argon2", "cryptography", "zeroconf",
             "httpx", "httpcore", "anyio")
LATER = ("ansible_runner", "ansible", "pexpect", "yaml", "pygments", "rich", "h2")
PROBE = ("import sys, runpy; sys.argv = ['minerfarm', 'sentry', 'run', '--help']; "
         "import minerfarm.cli, minerfarm.sentry.service, minerfarm.sentry.runtime; "
         "print(' '.join(sorted({m.split('.')[0] for m, module in sys.modules.items() "
         "if module is not None})))")  # None: marked absent (minerfarm.lean)


def memory_mb(proc: psutil.Process) -> tuple[float, float, float]:
    """RSS, PSS and USS (shared library pages count fully in RSS, shared in PSS)."""
    info = proc.memory_full_info()
    return info.rss / 1e6, info.pss / 1e6, info.uss / 1e6


def measure(popen: subprocess.Popen[bytes], seconds: float) -> dict[str, float]:
    proc = psutil.Process(popen.pid)
    time.sleep(2.0)  # start-up is not steady state (rss_mb_start: the first sample, after it)
    cpu0, t0 = proc.cpu_times(), time.monotonic()
    samples = []
    while time.monotonic() - t0 < seconds:
        samples.append(memory_mb(proc))
        time.sleep(1.0)
    cpu1, t1 = proc.cpu_times(), time.monotonic()
    busy = (cpu1.user - cpu0.user) + (cpu1.system - cpu0.system)
    return {"rss_mb_start": samples[0][0], "rss_mb_max": max(s[0] for s in samples),
            "rss_mb_last": samples[-1][0],
            "pss_mb_last": samples[-1][1], "uss_mb_last": samples[-1][2],
            "cpu_pct_of_one_core": 100 * busy / (t1 - t0)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--interval", type=float, default=10.0)
    args = parser.parse_args()
    env = {**os.environ, "MINERFARM_ADVERTISE": "0", "PYTHONPATH": str(REPO)}
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        commander = CommanderProcess(root / "data", env={"MINERFARM_ADVERTISE": "0"}).start()
        try:
            rig_id, token = commander.create_rig("footprint")
            config_dir = root / "sentry"
            done = enroll(commander, config_dir, token)
            assert done.returncode == 0, done.stderr
            loaded = subprocess.run([sys.executable, "-c", PROBE], capture_output=True,
                                    text=True, env=env, cwd=REPO, check=True).stdout.split()
            with simulated_miners() as miners:
                write_sentry_config(config_dir, miners=miners)
                baseline = subprocess.Popen([sys.executable, "-c", BASELINE], env=env)
                sentry = subprocess.Popen(
                    [sys.executable, "-m", "minerfarm", "sentry", "run", "--interval",
                     str(args.interval), "--config-dir", str(config_dir)], env=env, cwd=REPO,
                    stderr=subprocess.DEVNULL)
                try:
                    base = measure(baseline, 3.0)
                    figures = measure(sentry, args.seconds)
                finally:
                    for proc in (sentry, baseline):
                        proc.terminate()
                        proc.wait(10)
            reports = len(stored_reports(commander, rig_id))
        finally:
            commander.stop()
    print(json.dumps({
        "interval_s": args.interval, "seconds": args.seconds, "reports_stored": reports,
        "sentry": {k: round(v, 2) for k, v in figures.items()},
        "baseline_idle_interpreter": {k: round(v, 2) for k, v in base.items()},
        "sentry_minus_baseline_rss_mb": round(figures["rss_mb_max"] - base["rss_mb_max"], 2),
        "forbidden_modules_loaded": [m for m in FORBIDDEN if m in loaded],
        "loaded_before_any_playbook": [m for m in LATER if m in loaded],
        "goals": {"rss_mb": 40, "cpu_pct": 0.5},
    }, indent=2))


if __name__ == "__main__":
    main()
