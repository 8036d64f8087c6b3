"""Bitdeer SealMiner (A2...; bdminer 4.11.1) over its cgminer RPC, plus its web API.

RPC ``summary`` (MH/s, shares, ``Elapsed``), ``pools`` and ``stats``: flat per-board keys
``"N MHS(Sample)"`` (MH/s), ``"N Temp 0..3"``, fans ``"N Speed"`` for ``Fan Count`` fans,
and the identity (``Model``, ``MAC``, ``Firmware``, ``MHS(Rated)``, ``PSU Input Power``).
The web API (``/cgi-bin/*.php`` after a form login that sets a session cookie; default login
root / root, unverified) adds ``miner_psu_status`` ``Power`` where ``stats`` has none.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from minerfarm.cgminer import as_float, as_int
from minerfarm.protocol.reports import Asic, Board
from minerfarm.protocol.units import to_hs

from .base import (
    Backend,
    description,
    errors_of,
    first,
    mac,
    positive,
    summary_fields,
    temperature,
    text,
)
from .transport import Replies
from .web import Login, WebAuth, WebRequest

REQUESTS = (WebRequest("psu", "/cgi-bin/miner_psu_status.php", optional=True),)


def recognizes(reply: Mapping[str, Any]) -> bool:
    return description(reply).lower().startswith("bdminer")


def _boards(stats: Mapping[str, Any]) -> list[Board]:
    boards: list[Board] = []
    for n in range(16):
        if f"{n} MHS(Sample)" not in stats and f"{n} Temp 0" not in stats:
            continue
        temps = [temperature(stats.get(f"{n} Temp {i}")) for i in range(4)]
        present = [t for t in temps if t is not None]
        boards.append(Board(index=len(boards),
                            hashrate_hs=to_hs(as_float(stats.get(f"{n} MHS(Sample)")), "MH"),
                            temp_c=max(present) if present else None))
    return boards


def parse(ip: str, replies: Replies) -> Asic:
    stats = first(replies.get("stats"), "STATS")
    fans = [as_float(stats.get(f"{n} Speed")) for n in range(as_int(stats.get("Fan Count")) or 0)]
    power = positive(stats.get("PSU Input Power")) or positive(replies.json("psu").get("Power"))
    return Asic(
        ip=ip, mac=mac(stats.get("MAC")), make="SealMiner" if stats else None,
        model=text(stats.get("Model")), firmware_version=text(stats.get("Firmware")),
        software_version=description(replies.get("summary")) or None,
        expected_hashrate_hs=to_hs(positive(stats.get("MHS(Rated)")), "MH"),
        boards=_boards(stats), fans_rpm=[f for f in fans if f is not None],
        power_w=power, **summary_fields(replies), online=True, errors=errors_of(replies),
    )


BACKEND = Backend("sealminer", "Bitdeer SealMiner (bdminer)", ("summary", "stats", "pools"),
                  recognizes, parse, web=REQUESTS, auth=WebAuth("cookie", Login("root", "root")))
