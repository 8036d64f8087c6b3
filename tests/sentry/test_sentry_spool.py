"""The sentries' durable outbox: order, bounds, restarts."""

from __future__ import annotations

import time
from pathlib import Path

from minerfarm.agent.spool import Spool


def body(seq: int, pad: int = 0) -> str:
    return f'{{"seq":{seq},"pad":"{"x" * pad}"}}'


def test_reports_come_out_in_seq_order_and_go_once_acknowledged(tmp_path: Path) -> None:
    with Spool(tmp_path / "spool.db") as spool:
        seqs = [spool.next_seq() for _ in range(5)]
        for seq in seqs:
            spool.put(seq, body(seq))
        first = spool.peek(max_reports=3)
        assert [r.seq for r in first] == seqs[:3]
        spool.ack(first)
        rest = spool.peek()
        assert [r.seq for r in rest] == seqs[3:]
        spool.ack(rest)
        assert spool.peek() == []
        stats = spool.stats()
        assert (stats.count, stats.last_sent_seq) == (0, seqs[-1])


def test_seq_keeps_increasing_across_reopen_and_queue_survives(tmp_path: Path) -> None:
    path = tmp_path / "spool.db"
    with Spool(path) as spool:
        a = spool.next_seq()
        spool.put(a, body(a))
        b = spool.next_seq()
        spool.put(b, body(b))
    with Spool(path) as spool:
        c = spool.next_seq()
        assert a < b < c
        assert [r.seq for r in spool.peek()] == [a, b]


def test_a_new_spool_starts_seq_at_the_clock_so_a_lost_state_never_reuses_one(
        tmp_path: Path) -> None:
    with Spool(tmp_path / "old.db") as old:
        before = [old.next_seq() for _ in range(100)][-1]
    time.sleep(0.2)  # 100 reports took far less than the 100 ms a real sentry needs
    with Spool(tmp_path / "new.db") as new:
        assert new.next_seq() > before


def test_size_bound_drops_the_oldest_and_counts_them(tmp_path: Path) -> None:
    with Spool(tmp_path / "spool.db", max_bytes=10_000) as spool:
        dropped = 0
        for seq in range(1, 21):
            dropped += spool.put(seq, body(seq, pad=990))  # ~1,000 bytes each
        stats = spool.stats()
        assert stats.bytes <= 10_000
        assert dropped == stats.dropped == 20 - stats.count
        assert [r.seq for r in spool.peek()] == list(range(21 - stats.count, 21))  # newest kept


def test_age_bound_drops_reports_older_than_the_limit(tmp_path: Path) -> None:
    with Spool(tmp_path / "spool.db", max_age_s=3600) as spool:
        spool.put(1, body(1), now=1_000_000.0)
        spool.put(2, body(2), now=1_000_000.0 + 1800)
        assert spool.put(3, body(3), now=1_000_000.0 + 3700) == 1
        assert [r.seq for r in spool.peek()] == [2, 3]
        assert spool.trim(now=1_000_000.0 + 9999) == 2
        assert spool.stats().dropped == 3


def test_peek_bounds_a_batch_by_bytes_but_always_returns_one(tmp_path: Path) -> None:
    with Spool(tmp_path / "spool.db") as spool:
        for seq in (1, 2, 3):
            spool.put(seq, body(seq, pad=500))
        assert [r.seq for r in spool.peek(max_bytes=1200)] == [1, 2]
        assert [r.seq for r in spool.peek(max_bytes=10)] == [1]


def test_file_is_private(tmp_path: Path) -> None:
    with Spool(tmp_path / "state" / "spool.db"):
        pass
    assert (tmp_path / "state" / "spool.db").stat().st_mode & 0o077 == 0
