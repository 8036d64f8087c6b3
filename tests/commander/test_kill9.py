"""A commander killed with SIGKILL in the middle of a load loses no acknowledged report and
stores none twice; the sentries' resends after the restart are deduplicated."""

from __future__ import annotations

import itertools
import random
import sqlite3
import threading
import time
from pathlib import Path

import httpx
import pytest

from tests.support import CommanderProcess, report

pytestmark = pytest.mark.slow
SENDERS = 6
BATCH = 5
UNLIMITED = {"MINERFARM_SENTRY_REQUESTS_PER_S": "1000000",
             "MINERFARM_SENTRY_REQUEST_BURST": "1000000",
             "MINERFARM_RIG_BYTES_PER_DAY": str(10**15)}


class Load:
    """Sentry-like senders: batches of new seqs; a batch without an answer is kept to resend."""

    def __init__(self, commander: CommanderProcess, token: str) -> None:
        self.commander, self.token = commander, token
        self.acked: set[int] = set()
        self.unanswered: list[list[int]] = []
        self.seqs = itertools.count(1)
        self.lock = threading.Lock()
        self.stop = threading.Event()

    def batch(self, seqs: list[int]) -> dict[str, object]:
        return {"reports": [report(s, host={"hostname": f"h{s}"},
                                   miners=[{"software": "xmrig", "hashrate_hs": float(s)}])
                            for s in seqs]}

    def sender(self) -> None:
        client = self.commander.sentry(self.token, timeout=5)
        while not self.stop.is_set():
            with self.lock:
                seqs = [next(self.seqs) for _ in range(BATCH)]
            try:
                answer = client.post("/api/v1/sentry/reports", json=self.batch(seqs))
            except httpx.TransportError:
                with self.lock:
                    self.unanswered.append(seqs)
                time.sleep(0.05)
                client.close()
                client = self.commander.sentry(self.token, timeout=5)
                continue
            with self.lock:
                if answer.status_code == 202:
                    self.acked.update(seqs)
                else:
                    self.unanswered.append(seqs)
        client.close()

    def run_until_killed(self, kill_after: float) -> None:
        threads = [threading.Thread(target=self.sender) for _ in range(SENDERS)]
        for thread in threads:
            thread.start()
        time.sleep(kill_after)
        self.commander.kill()
        time.sleep(0.2)
        self.stop.set()
        for thread in threads:
            thread.join(10)
        self.stop.clear()


def stored(db: Path) -> list[tuple[int, float]]:
    connection = sqlite3.connect(db)
    try:
        return connection.execute(
            "SELECT seq, json_extract(payload, '$.miners[0].hashrate_hs') FROM reports"
        ).fetchall()
    finally:
        connection.close()


def wait_for_queue_drained(commander: CommanderProcess, expected: set[int], rig_id: int) -> None:
    db = commander.data_dir / "minerfarm.db"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if expected <= {seq for seq, _ in stored(db)}:
            return
        time.sleep(0.2)


def test_kill9_mid_load_loses_nothing_acknowledged(tmp_path: Path) -> None:
    # one token stands for a farm's load here: lift the per-rig budget (tested elsewhere)
    commander = CommanderProcess(tmp_path / "data", env=UNLIMITED).start()
    rig_id, token = commander.create_rig("kill9-rig")
    load = Load(commander, token)
    rng = random.Random(9)
    try:
        for _ in range(3):
            load.run_until_killed(kill_after=rng.uniform(0.8, 2.0))
            commander.start()
        assert len(load.acked) > 100, "the load did not get going"
        assert load.unanswered, "no kill landed while requests were in flight"
        wait_for_queue_drained(commander, load.acked, rig_id)

        # What a sentry does next: resend every batch it got no answer for.
        with commander.sentry(token) as sentry:
            for seqs in load.unanswered:
                answer = sentry.post("/api/v1/sentry/reports", json=load.batch(seqs))
                assert answer.status_code == 202
            resent = sentry.post("/api/v1/sentry/reports",
                                 json=load.batch(sorted(load.acked)[:BATCH]))
            assert resent.json() == {"accepted": 0, "duplicates": BATCH}
        everything = load.acked | {s for seqs in load.unanswered for s in seqs}
        wait_for_queue_drained(commander, everything, rig_id)
    finally:
        commander.stop()

    rows = stored(commander.data_dir / "minerfarm.db")
    seqs = [seq for seq, _ in rows]
    assert len(seqs) == len(set(seqs)), "a report was stored twice"
    assert load.acked <= set(seqs), f"lost {len(load.acked - set(seqs))} acknowledged reports"
    assert set(seqs) == everything
    assert all(hashrate == float(seq) for seq, hashrate in rows), "a report was garbled"
