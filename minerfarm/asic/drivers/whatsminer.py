"""Whatsminer (MicroBT btminer) over its cgminer-compatible RPC (read commands need no token).

Reads ``summary`` (MH/s, ``Power`` W, ``Fan Speed In/Out`` RPM, ``Factory GHS``, ``MAC``,
``Firmware Version``), ``edevs`` (per hash board MH/s, ``Temperature``, ``Chip Temp Max``)
and ``pools``. The model name comes from ``devdetails``/``get_version``, not captured here:
``None`` rather than guessed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from minerfarm.cgminer import as_float, as_int, section
from minerfarm.protocol.reports import Asic, Board
from minerfarm.protocol.units import to_hs

from .base import (
    Backend,
    active_pool,
    description,
    errors_of,
    first,
    hashrate,
    mac,
    positive,
    shares,
    temperature,
)
from .transport import Replies


def recognizes(reply: Mapping[str, Any]) -> bool:
    return description(reply).lower().startswith("btminer")


def _slot(dev: Mapping[str, Any], position: int) -> int:
    slot = as_int(dev.get("ASC"))
    return slot if slot is not None and slot >= 0 else position


def parse(ip: str, replies: Replies) -> Asic:
    summary_reply = replies.get("summary")
    summary = first(summary_reply, "SUMMARY")
    firmware = summary.get("Firmware Version")
    fans = [as_float(summary.get(key)) for key in ("Fan Speed In", "Fan Speed Out")]
    return Asic(
        ip=ip, make="Whatsminer", mac=mac(summary.get("MAC")),
        firmware_version=str(firmware).strip("'\" ") if firmware else None,
        software_version=description(summary_reply) or None,
        hashrate_hs=hashrate(summary),
        expected_hashrate_hs=to_hs(positive(summary.get("Factory GHS")), "GH"),
        boards=[Board(index=_slot(dev, i), hashrate_hs=hashrate(dev),
                      temp_c=temperature(dev.get("Temperature")),
                      chip_temp_c=temperature(dev.get("Chip Temp Max")))
                for i, dev in enumerate(section(replies.get("edevs"), "DEVS"))],
        fans_rpm=[fan for fan in fans if fan is not None],
        power_w=positive(summary.get("Power")),
        pool=active_pool(replies.get("pools")),
        shares=shares(summary),
        uptime_s=as_float(summary.get("Elapsed")),
        online=True, errors=errors_of(replies),
    )


BACKEND = Backend("whatsminer", "Whatsminer (btminer)", ("summary", "edevs", "pools"),
                  recognizes, parse)
