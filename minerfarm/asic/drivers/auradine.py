"""Auradine Teraflux (GCMiner / FluxOS) over its cgminer-style RPC on port 4028.

Reads ``summary`` (MH/s, shares, ``Elapsed``), ``pools``, and GCMiner's own commands:
``temperature`` (per ``Hash Board N``: ``BoardTemp[]`` and ``ChipTemp[]``, ``null`` when
not read), ``fan`` (``Fan[].Speed`` RPM), ``psu`` (``PowerIn`` "58.94W", a unit string) and
``version`` (``GCMiner``). The model is not in these replies (its web API on 8080 needs a
token and has no capture): ``None``. Per-board hashrate is not in them either.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from minerfarm.cgminer import as_float, section
from minerfarm.protocol.reports import Asic, Board

from .base import (
    Backend,
    description,
    errors_of,
    first,
    positive,
    summary_fields,
    temperature,
)
from .transport import Replies

_NAMES = ("GCMiner", "FluxOS")


def recognizes(reply: Mapping[str, Any]) -> bool:
    return description(reply).startswith(_NAMES) or "GCMiner" in first(reply, "VERSION")


def _hottest(readings: Any) -> float | None:
    values = [temperature(r.get("Temperature")) for r in readings or [] if isinstance(r, dict)]
    present = [v for v in values if v is not None]
    return max(present) if present else None


def _boards(reply: Mapping[str, Any]) -> list[Board]:
    boards = [entry for entry in section(dict(reply), "Temperature")
              if str(entry.get("Name", "")).startswith("Hash Board")]
    return [Board(index=i, temp_c=_hottest(b.get("BoardTemp")),
                  chip_temp_c=_hottest(b.get("ChipTemp"))) for i, b in enumerate(boards)]


def parse(ip: str, replies: Replies) -> Asic:
    version = first(replies.get("version"), "VERSION")
    firmware = description(replies.get("summary")) or description(replies.get("version"))
    fans = [as_float(f.get("Speed")) for f in section(dict(replies.get("fan")), "Fan")]
    psu = first(replies.get("psu"), "PSU")
    return Asic(
        ip=ip, make="Auradine",
        firmware_version=firmware or None,
        software_version=f"GCMiner {version['GCMiner']}" if version.get("GCMiner") else None,
        boards=_boards(replies.get("temperature")),
        fans_rpm=[fan for fan in fans if fan is not None],
        power_w=positive(psu.get("PowerIn")),
        **summary_fields(replies),
        online=True, errors=errors_of(replies),
    )


BACKEND = Backend("auradine", "Auradine (GCMiner)",
                  ("version", "summary", "pools", "fan", "psu", "temperature"), recognizes, parse)
