"""AvalonMiner (Canaan cgminer 4.x) over RPC: the A1x series and the home miners (Q, Nano).

Reads ``version`` (``PROD``, ``MODEL``, ``VERSION``/``LVERSION``, ``MAC``), ``devs`` (MH/s, the
1-minute window), ``stats`` (the ``MM ID0`` string of ``Key[value]`` pairs: ``MGHS`` per-board
GH/s, ``MTmax`` per-board hottest chip, ``FanN`` RPM, ``WALLPOWER`` W, ``GHSmm`` nominal GH/s)
and ``pools`` (shares summed over pools: the backend needs no ``summary``). ``Temperature:
-273`` (or ``0``) in ``devs`` is Avalon's "no reading" and is never used.

Home miners (Avalon Q 25052801 captured; the Nano 3 runs the same MM319 firmware family but
has no capture) also answer ``litestats``: the same pairs under ``"MM ID0:Summary"``, without
the per-chip ``HBinfo``; it is asked as an optional command and preferred where answered. On
them ``WALLPOWER`` is missing: the power is the last figure of ``PS[...]`` (on the A1566,
``PS``'s last figure equals its ``WALLPOWER``: 3731 W), and ``SYSTEMSTATU[Work: In Idle ...]``
is reported in ``errors`` (the Q hashes 0 while idle, and says so). Their one hash board's
temperature is ``HBOTemp`` (its outlet sensor; ``TMax`` reads 0 while idle: no chip reading).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from minerfarm.cgminer import as_float, section
from minerfarm.protocol.reports import Asic, Board
from minerfarm.protocol.units import to_hs

from .base import (
    Backend,
    active_pool,
    errors_of,
    first,
    hashrate,
    mac,
    pool_shares,
    positive,
    temperature,
)
from .facts import facts_for
from .transport import Replies

_PAIR = re.compile(r"([A-Za-z][\w ]*?)\[([^\]]*)\]")


def recognizes(reply: Mapping[str, Any]) -> bool:
    version = first(reply, "VERSION")
    return str(version.get("PROD", "")).startswith("Avalon") or "Avalon" in str(
        version.get("MODEL", ""))


def mm_values(stats: Mapping[str, Any]) -> dict[str, list[str]]:
    """``"Fan1[4275] MGHS[59.4 61.4]"`` -> ``{"Fan1": ["4275"], "MGHS": ["59.4", "61.4"]}``.

    Reads ``MM ID0`` or ``MM ID0:Summary`` (litestats); a key seen twice keeps its first value.
    Text that is no ``Key[value]`` pair (``'STATS':{``, a stray ``]``) is skipped.
    """
    text = next((str(v) for k, v in stats.items() if k.startswith("MM ID")), "")
    values: dict[str, list[str]] = {}
    for key, value in _PAIR.findall(text):
        values.setdefault(key.strip(), value.split())
    return values


def _mm(replies: Replies) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """(the stats entry carrying the pairs, its pairs): litestats where answered, else stats."""
    for command in ("litestats", "stats"):
        for entry in section(replies.get(command), "STATS"):
            values = mm_values(entry)
            if values:
                return entry, values
    return first(replies.get("stats"), "STATS"), {}


def _power(mm: dict[str, list[str]]) -> float | None:
    wall = positive(_one(mm, "WALLPOWER"))
    if wall is not None:
        return wall
    supply = mm.get("PS") or []
    return positive(supply[-1]) if len(supply) >= 7 else None


def _state(mm: dict[str, list[str]]) -> list[str]:
    status = " ".join(mm.get("SYSTEMSTATU") or [])
    return [f"idle ({status})"] if "idle" in status.lower() else []


def _one(values: dict[str, list[str]], key: str) -> float | None:
    items = values.get(key) or []
    return as_float(items[0]) if len(items) == 1 else None


def parse(ip: str, replies: Replies) -> Asic:
    version = first(replies.get("version"), "VERSION")
    stats, mm = _mm(replies)
    devs = section(replies.get("devs"), "DEVS")
    rates = [rate for rate in (hashrate(dev) for dev in devs) if rate is not None]
    make, _, _ = str(version.get("PROD") or "").partition(" ")
    model = version.get("MODEL")
    facts = facts_for(make or None, model)
    nominal = to_hs(positive(_one(mm, "GHSmm")), "GH")
    per_board = mm.get("MGHS", [])
    chip_max = mm.get("MTmax", [])
    fans = sorted((key for key in mm if re.fullmatch(r"Fan\d+", key)), key=lambda k: int(k[3:]))
    return Asic(
        ip=ip, make=make or None, model=str(model) if model else None, mac=mac(version.get("MAC")),
        firmware_version=version.get("VERSION") or version.get("LVERSION"),
        software_version=f"cgminer {version['CGMiner']}" if version.get("CGMiner") else None,
        hashrate_hs=sum(rates) if rates else to_hs(_one(mm, "GHSspd"), "GH"),
        expected_hashrate_hs=nominal or (facts.expected_hashrate_hs if facts else None),
        boards=[Board(index=i, hashrate_hs=to_hs(as_float(rate), "GH"),
                      temp_c=temperature(_one(mm, "HBOTemp")) if len(per_board) == 1 else None,
                      chip_temp_c=temperature(chip_max[i]) if i < len(chip_max) else None)
                for i, rate in enumerate(per_board)],
        fans_rpm=[_one(mm, key) for key in fans],
        power_w=_power(mm),
        pool=active_pool(replies.get("pools")),
        shares=pool_shares(section(replies.get("pools"), "POOLS")),
        uptime_s=as_float(stats.get("Elapsed")) or _one(mm, "Elapsed"),
        online=True, errors=[*errors_of(replies), *_state(mm)],
    )


BACKEND = Backend("avalon", "AvalonMiner (Canaan cgminer)", ("version", "devs", "stats", "pools"),
                  recognizes, parse, optional=("litestats",))
