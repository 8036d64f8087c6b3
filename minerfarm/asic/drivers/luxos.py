"""LuxOS (Luxor's LUXminer) on Antminer hardware, over its cgminer-compatible RPC.

LuxOS answers ``version`` with the stock firmware's ``Type`` ("Antminer S19k Pro"), so it is
told from stock Antminer by its own ``LUXminer`` key (and the ``STATUS`` ``Description``
"LUXminer 2025.4.8..."), and asked before the stock backend.

Reads ``version`` (model, LUXminer version), ``summary`` (GH/s, shares, uptime), ``devs`` (per
board ``MHS 1m``, ``Temperature``, ``Nominal MHS``; the entries come in any order, ``ASC`` is
the board), ``fans`` (``FANn`` RPM), ``power`` (``Watts``), ``config`` (``MACAddr``) and
``pools``; ``events`` (LuxOS 2025.9 and later) become ``errors``. Captures: LUXminer
2025.4.8 on an S19k Pro (``shared/fixtures/miner-apis/luxos``); ``events`` from 2025.9.8.

No chip temperature: LuxOS's ``temp_chipN`` strings in ``stats`` repeat its ``temp_pcbN``
board sensors, so ``chip_temp_c`` stays ``None`` rather than a board figure under a chip's
name.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from minerfarm.cgminer import as_float, as_int, section
from minerfarm.protocol.reports import Asic, Board
from minerfarm.protocol.units import to_hs

from .base import (
    Backend,
    description,
    errors_of,
    first,
    hashrate,
    mac,
    positive,
    summary_fields,
    temperature,
    text,
)
from .facts import facts_for
from .transport import Replies

_FAN = re.compile(r"FAN(\d+)$")


def recognizes(reply: Mapping[str, Any]) -> bool:
    return "LUXminer" in first(reply, "VERSION") or description(reply).startswith("LUXminer")


def _boards(devs: list[dict[str, Any]]) -> list[Board]:
    ordered = sorted(devs, key=lambda dev: as_int(dev.get("ASC")) or 0)
    return [Board(index=i, hashrate_hs=hashrate(dev), temp_c=temperature(dev.get("Temperature")))
            for i, dev in enumerate(ordered)]


def _fans(replies: Replies) -> list[float | None]:
    fans = section(replies.get("fans"), "FANS")

    def slot(fan: Mapping[str, Any]) -> int:
        match = _FAN.match(str(fan.get("FAN", "")))
        return int(match.group(1)) if match else 1000 + (as_int(fan.get("ID")) or 0)

    return [as_float(fan.get("RPM")) for fan in sorted(fans, key=slot)]


def _events(replies: Replies) -> list[str]:
    return [f"{event.get('Code') or 'event'}: {event.get('Description') or ''}".rstrip(": ")[:500]
            for event in section(replies.get("events"), "EVENTS")][:32]


def parse(ip: str, replies: Replies) -> Asic:
    version = first(replies.get("version"), "VERSION")
    config = first(replies.get("config"), "CONFIG")
    devs = section(replies.get("devs"), "DEVS")
    kind = str(version.get("Type") or config.get("Model") or "")
    make, _, model = kind.partition(" ")
    facts = facts_for(make or None, model or None)
    nominal = [as_float(dev.get("Nominal MHS")) for dev in devs]
    expected = to_hs(sum(n for n in nominal if n), "MH") if any(nominal) else None
    luxminer = version.get("LUXminer")
    return Asic(
        ip=ip, make=make or None, model=model or None,
        mac=mac(config.get("MACAddr")), serial=text(config.get("SerialNumber")),
        firmware_version=str(luxminer) if luxminer else None,
        software_version=f"LUXminer {luxminer}" if luxminer else None,
        **summary_fields(replies, ("GHS", "MHS")),
        expected_hashrate_hs=expected or (facts.expected_hashrate_hs if facts else None),
        boards=_boards(devs),
        fans_rpm=_fans(replies),  # the fans LuxOS lists exist: a 0 RPM one has stopped
        power_w=positive(first(replies.get("power"), "POWER").get("Watts")),
        online=True, errors=[*errors_of(replies), *_events(replies)],
    )


BACKEND = Backend("luxos", "LuxOS (LUXminer)",
                  ("version", "summary", "devs", "fans", "power", "pools"), recognizes, parse,
                  optional=("config", "events"))
