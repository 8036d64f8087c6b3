"""Braiins OS / OS+ (BOSminer) on Antminer hardware, over its cgminer-compatible RPC.

Reads ``version`` (``BOSminer+``/``BOSminer`` version), ``summary`` (MH/s, shares),
``temps`` (per board ``Board``/``Chip`` degC; 0 = no sensor), ``fans`` (RPM per slot) and
``pools``. The hardware model is not in these replies: on 26.04+ it comes from the REST API
(:mod:`.braiins_rest`), whose figures win over RPC's where both give one; before 26.04 make
and model stay ``None`` rather than guessed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from minerfarm.cgminer import as_float, section
from minerfarm.protocol.reports import Asic, Board

from . import braiins_rest
from .base import (
    Backend,
    description,
    dig,
    errors_of,
    fan_slots,
    first,
    summary_fields,
    temperature,
)
from .transport import Replies

_NAMES = ("BOSminer+", "BOSminer", "BOSer")


def recognizes(reply: Mapping[str, Any]) -> bool:
    version = first(reply, "VERSION")
    return any(name in version for name in _NAMES) or "BOSminer" in description(reply)


def parse(ip: str, replies: Replies) -> Asic:
    asic = _parse_rpc(ip, replies)
    rest = {k: v for k, v in braiins_rest.fields(replies).items() if v is not None}
    if "errors" in rest:
        rest["errors"] = [*asic.errors, *rest["errors"]][:64]
    return asic.model_copy(update=rest) if rest else asic


def _parse_rpc(ip: str, replies: Replies) -> Asic:
    version = first(replies.get("version"), "VERSION")
    name = next((n for n in _NAMES if version.get(n)), None)
    temps = section(replies.get("temps"), "TEMPS")
    fans = section(replies.get("fans"), "FANS")
    return Asic(
        ip=ip,
        firmware_version=str(version[name]) if name else None,
        software_version=f"{name} {version[name]}" if name else None,
        boards=[Board(index=i, temp_c=temperature(t.get("Board")),
                      chip_temp_c=temperature(t.get("Chip"))) for i, t in enumerate(temps)],
        fans_rpm=fan_slots((as_float(f.get("RPM")) for f in fans), None),
        **summary_fields(replies),
        online=True, errors=errors_of(replies),
    )


BACKEND = Backend("braiins", "Braiins OS / OS+ (BOSminer)",
                  ("version", "summary", "temps", "fans", "pools"), recognizes, parse,
                  web=braiins_rest.REQUESTS, auth=braiins_rest.AUTH,
                  probe=braiins_rest.REQUESTS[0],
                  web_recognizes=lambda reply: dig(reply, "bos_version", "current") is not None)
