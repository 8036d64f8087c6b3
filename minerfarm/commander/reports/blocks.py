"""Compacted reports: one rig's reports of one receive hour in one zstd-compressed block.

A block's data is one zstd frame holding a header line and then one line per report, its
JSON as it was stored (compact JSON has no raw newline; one that has is written again
compactly). The header holds the reports' ``seq``, ``ts`` and ``received_at`` (microseconds
since the epoch) as delta-encoded lists, in the block's order: ``(ts, seq)`` ascending. Keys
are read without parsing a single payload; a page parses only the reports it shows.

Why no trained dictionary: a block holds hundreds of reports of one rig (or, for an ASIC
sentry, hundreds of ASICs per report) that share their keys and most values, so the frame
finds its own repetitions; measured by ``bench/disk.py``, well under the 150 B a reading
the issue allows, without a table of dictionaries to keep, version and migrate.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
import zstandard
from sqlalchemy import Connection, delete, insert, select

from minerfarm.commander.db.models import RawJson, Report, ReportBlock, read_json

LEVEL = 9  # bench/disk.py: ~1 ms per rig-hour; higher levels save little more
MAX_RAW_BYTES = 8 << 20  # a block's uncompressed size: what one page read decompresses
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICRO = timedelta(microseconds=1)


@dataclass(frozen=True)
class StoredReport:
    """One stored report, raw or out of a block: what the log pages and the API show."""

    seq: int
    ts: datetime
    received_at: datetime
    text: str  # its JSON

    @property
    def payload(self) -> Any:
        """The report as JSON values (None for text that is no JSON: see ``read_json``)."""
        return read_json(self.text)


def _micros(moment: datetime) -> int:
    return (moment - _EPOCH) // _MICRO


def _moment(micros: int) -> datetime:
    return _EPOCH + micros * _MICRO


def _deltas(values: Sequence[int]) -> list[int]:
    return [v - p for p, v in zip((0, *values), values, strict=False)]


def _undelta(deltas: Sequence[int]) -> list[int]:
    out, total = [], 0
    for delta in deltas:
        total += delta
        out.append(total)
    return out


def _line(text: str) -> str:
    if "\n" not in text and "\r" not in text:
        return text
    return orjson.dumps(read_json(text)).decode()


def encode(reports: Sequence[StoredReport], level: int = LEVEL) -> bytes:
    """``reports`` (sorted by ``(ts, seq)``) as one block's data."""
    header = orjson.dumps({
        "v": 1,
        "seq": _deltas([r.seq for r in reports]),
        "ts": _deltas([_micros(r.ts) for r in reports]),
        "received": _deltas([_micros(r.received_at) for r in reports]),
    }).decode()
    text = "\n".join([header, *(_line(r.text) for r in reports)])
    return zstandard.ZstdCompressor(level=level).compress(text.encode())


def decode(data: bytes) -> list[StoredReport]:
    """A block's reports, in its order (ascending ``(ts, seq)``)."""
    lines = zstandard.ZstdDecompressor().decompress(data).decode().split("\n")
    header = orjson.loads(lines[0])
    seqs, stamps = _undelta(header["seq"]), _undelta(header["ts"])
    received = _undelta(header["received"])
    return [StoredReport(seq, _moment(ts), _moment(got), text)
            for seq, ts, got, text in zip(seqs, stamps, received, lines[1:], strict=True)]


def split(reports: list[StoredReport], max_raw: int = MAX_RAW_BYTES) -> list[list[StoredReport]]:
    """Reports of one rig and hour, sorted by ``(ts, seq)``, in blocks of at most ``max_raw``
    bytes of JSON (an ASIC sentry's report of thousands of ASICs is megabytes)."""
    ordered = sorted(reports, key=lambda r: (r.ts, r.seq))
    blocks: list[list[StoredReport]] = []
    size = 0
    for report in ordered:
        if not blocks or (size + len(report.text) > max_raw and blocks[-1]):
            blocks.append([])
            size = 0
        blocks[-1].append(report)
        size += len(report.text) + 1
    return blocks


def block_row(rig_id: int, reports: Sequence[StoredReport]) -> dict[str, Any]:
    """The ``report_blocks`` row for ``reports`` (sorted by ``(ts, seq)``)."""
    return {"rig_id": rig_id, "first_ts": reports[0].ts, "last_ts": reports[-1].ts,
            "min_seq": min(r.seq for r in reports), "max_seq": max(r.seq for r in reports),
            "last_received": max(r.received_at for r in reports), "count": len(reports),
            "data": encode(reports)}


def seqs_in(data: bytes) -> set[int]:
    """The seqs a block holds."""
    return {r.seq for r in decode(data)}


def unpack_all(conn: Connection, batch: int = 100) -> int:
    """Every block back into ``reports`` (a synchronous connection: the downgrade); returns
    how many reports. Each batch of blocks is written out, then deleted."""
    table, restored = ReportBlock.__table__, 0
    while True:
        rows = conn.execute(select(table.c.id, table.c.rig_id, table.c.data)
                            .order_by(table.c.id).limit(batch)).all()
        if not rows:
            return restored
        for row in rows:
            reports = decode(row.data)
            conn.execute(insert(Report), raw_rows(row.rig_id, reports))
            restored += len(reports)
        conn.execute(delete(ReportBlock).where(ReportBlock.id.in_([row.id for row in rows])))


def raw_rows(rig_id: int, reports: Iterable[StoredReport]) -> list[dict[str, Any]]:
    """``reports`` rows for these reports (their JSON text stored as it is)."""
    return [{"rig_id": rig_id, "seq": r.seq, "ts": r.ts, "received_at": r.received_at,
             "payload": RawJson(r.text)} for r in reports]
