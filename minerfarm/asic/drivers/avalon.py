"""AvalonMiner (Canaan cgminer 4.x) over RPC.

Reads ``version`` (``PROD``, ``MODEL``, ``VERSION``, ``MAC``), ``devs`` (MH/s, the 1-minute
window), ``stats`` (the ``MM ID0`` string of ``Key[value]`` pairs: ``MGHS`` per-board GH/s,
``MTmax`` per-board hottest chip, ``FanN`` RPM, ``WALLPOWER`` W, ``GHSmm`` nominal GH/s) and
``pools`` (shares summed over pools: the backend needs no ``summary``). ``Temperature: -273``
in ``devs`` is Avalon's "no reading" and is never used.
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
    """``"Fan1[4275] MGHS[59.4 61.4]"`` -> ``{"Fan1": ["4275"], "MGHS": ["59.4", "61.4"]}``."""
    text = next((str(v) for k, v in stats.items() if k.startswith("MM ID")), "")
    return {key.strip(): value.split() for key, value in _PAIR.findall(text)}


def _one(values: dict[str, list[str]], key: str) -> float | None:
    items = values.get(key) or []
    return as_float(items[0]) if len(items) == 1 else None


def parse(ip: str, replies: Replies) -> Asic:
    version = first(replies.get("version"), "VERSION")
    stats = first(replies.get("stats"), "STATS")
    mm = mm_values(stats)
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
        firmware_version=version.get("VERSION"),
        software_version=f"cgminer {version['CGMiner']}" if version.get("CGMiner") else None,
        hashrate_hs=sum(rates) if rates else to_hs(_one(mm, "GHSspd"), "GH"),
        expected_hashrate_hs=nominal or (facts.expected_hashrate_hs if facts else None),
        boards=[Board(index=i, hashrate_hs=to_hs(as_float(rate), "GH"),
                      chip_temp_c=temperature(chip_max[i]) if i < len(chip_max) else None)
                for i, rate in enumerate(per_board)],
        fans_rpm=[_one(mm, key) for key in fans],
        power_w=positive(_one(mm, "WALLPOWER")),
        pool=active_pool(replies.get("pools")),
        shares=pool_shares(section(replies.get("pools"), "POOLS")),
        uptime_s=as_float(stats.get("Elapsed")),
        online=True, errors=errors_of(replies),
    )


BACKEND = Backend("avalon", "AvalonMiner (Canaan cgminer)", ("version", "devs", "stats", "pools"),
                  recognizes, parse)
