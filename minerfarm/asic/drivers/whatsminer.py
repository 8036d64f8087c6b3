"""Whatsminer (MicroBT btminer) over its cgminer-compatible RPC (read commands need no token).

Reads ``summary`` (MH/s, ``Power`` W, ``Fan Speed In/Out`` RPM, ``Factory GHS``, ``MAC``,
``Firmware Version``), ``edevs`` (per hash board MH/s, ``Temperature``, ``Chip Temp Max``)
and ``pools``.

API 2.x firmwares (2.0.5 captured) also answer, on the same port, ``get_version``
(``Msg.fw_ver``), ``get_psu`` (PSU ``model``, ``sw_version``, ``fan_speed``) and ``status``
(``mineroff``: mining stopped, named in ``errors``): optional commands, so the 2020 firmware
that lacks them reads as before. API 3 firmwares (3.0.2 captured; ``get_version`` reporting an
``api_ver`` of 3 or more, or a firmware dated 2024-11-01 or later) are asked
``get.device.info`` over port 4433 (:mod:`.whatsminer_api3`): model (``M60S_VK40`` -> ``M60S``
variant ``VK40``), MAC, firmware, PSU and its ``error-code`` list. Summary fields win where
both say the same thing; ``detect-hash-rate`` (per-board GH/s) is the expected hashrate only
where ``Factory GHS`` is missing. Without any of these the model stays ``None`` (not guessed).
Unverified: API 3's framing (see :mod:`.whatsminer_api3`), and what API 2/3 firmwares answer to
``summary``/``edevs`` (no capture: only the 2020 M31S and the 2018 M3 ones exist).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from minerfarm.cgminer import CgminerCommandError, CgminerError, as_float, as_int, section
from minerfarm.protocol.reports import Asic, Board, Psu
from minerfarm.protocol.units import to_hs

from . import whatsminer_api3
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
)
from .transport import Replies, RpcTransport

API3 = whatsminer_api3.COMMAND
API3_FROM_DATE = 20241101  # firmwares from this date speak API 3 (as other clients decide)


def recognizes(reply: Mapping[str, Any]) -> bool:
    return description(reply).lower().startswith("btminer")


def _slot(dev: Mapping[str, Any], position: int) -> int:
    slot = as_int(dev.get("ASC"))
    return slot if slot is not None and slot >= 0 else position


def _msg(replies: Replies, command: str) -> dict[str, Any]:
    """The ``Msg`` object of an API 2 reply (``{"STATUS": "S", "Msg": {...}}``), or ``{}``."""
    msg = replies.get(command).get("Msg")
    return msg if isinstance(msg, dict) else {}


def _api3(replies: Replies, part: str) -> dict[str, Any]:
    msg = replies.get(API3).get("msg")
    value = msg.get(part) if isinstance(msg, dict) else None
    return value if isinstance(value, dict) else {}


def wants_api3(version_msg: Mapping[str, Any]) -> bool:
    """Whether a ``get_version`` ``Msg`` is an API 3 firmware's (``api_ver`` 3+, or dated
    2024-11-01 or later)."""
    api = re.match(r"\s*(\d+)", str(version_msg.get("api_ver") or ""))
    if api and int(api.group(1)) >= 3:
        return True
    date = re.match(r"\s*(\d{8})\.", str(version_msg.get("fw_ver") or ""))
    return date is not None and int(date.group(1)) >= API3_FROM_DATE


async def enrich(transport: RpcTransport, replies: Replies) -> None:
    """Add API 3's ``get.device.info`` (port 4433). Asked once on every transport; where the
    port does not answer it is not asked again, unless ``get_version`` says the firmware
    speaks API 3 (then the failure is named in ``errors`` and retried next poll)."""
    if API3 in transport.skip:
        return
    try:
        replies.data[API3] = await whatsminer_api3.query(
            transport.host, timeout=min(transport.timeout, 1.0))
    except CgminerCommandError as exc:
        replies.errors[API3] = str(exc).split(": ", 1)[-1]
    except CgminerError as exc:
        if wants_api3(_msg(replies, "get_version")):
            replies.errors[API3] = f"API 3: {exc}"
        else:
            transport.skip.add(API3)  # no API 3 here: the RPC tells everything there is


def _model(kind: Any) -> tuple[str | None, str | None]:
    """``"M60S_VK40"`` -> ``("M60S", "VK40")``."""
    if not isinstance(kind, str) or not kind.strip():
        return None, None
    model, _, variant = kind.strip().partition("_")
    return model, variant or None


def _psu(replies: Replies) -> Psu | None:
    api2, api3 = _msg(replies, "get_psu"), _api3(replies, "power")
    model = api2.get("model") or api3.get("model")
    firmware = api2.get("sw_version") or api3.get("swversion")
    fan = as_float(api2.get("fan_speed") if "fan_speed" in api2 else api3.get("fanspeed"))
    if model is None and firmware is None and fan is None:
        return None
    return Psu(model=str(model) if model else None,
               firmware_version=str(firmware) if firmware else None, fan_rpm=fan)


def _info_errors(replies: Replies) -> list[str]:
    errors: list[str] = []
    status = _msg(replies, "status")
    if str(status.get("mineroff", "")).lower() == "true":
        reason = status.get("mineroff_reason")
        errors.append(f"mining stopped (mineroff{': ' + str(reason) if reason else ''})")
    msg = replies.get(API3).get("msg")
    codes = msg.get("error-code") if isinstance(msg, dict) else None
    for entry in codes if isinstance(codes, list) else []:
        if isinstance(entry, dict):
            code, when = next(((k, v) for k, v in entry.items() if k != "reason"), ("?", ""))
            errors.append((f"error {code}: {entry.get('reason') or 'no reason given'}"
                           + (f" (since {when})" if when else ""))[:500])
    return errors[:32]


def _detected(text: Any) -> float | None:
    """``"61434:53890:65727"`` (per-board GH/s) -> their sum in H/s."""
    boards = [as_float(part) for part in str(text or "").split(":")]
    return to_hs(sum(b for b in boards if b), "GH") if boards and all(boards) else None


def parse(ip: str, replies: Replies) -> Asic:
    summary_reply = replies.get("summary")
    summary = first(summary_reply, "SUMMARY")
    firmware = (summary.get("Firmware Version") or _api3(replies, "system").get("fwversion")
                or _msg(replies, "get_version").get("fw_ver")
                or _msg(replies, "status").get("FirmwareVersion"))
    fans = [as_float(summary.get(key)) for key in ("Fan Speed In", "Fan Speed Out")]
    model, variant = _model(_api3(replies, "miner").get("type"))
    return Asic(
        ip=ip, make="Whatsminer", model=model, model_variant=variant,
        mac=mac(summary.get("MAC")) or mac(_api3(replies, "network").get("mac")),
        firmware_version=str(firmware).strip("'\" ") if firmware else None,
        software_version=description(summary_reply) or None,
        expected_hashrate_hs=to_hs(positive(summary.get("Factory GHS")), "GH")
        or _detected(_api3(replies, "miner").get("detect-hash-rate")),
        boards=[Board(index=_slot(dev, i), hashrate_hs=hashrate(dev),
                      temp_c=temperature(dev.get("Temperature")),
                      chip_temp_c=temperature(dev.get("Chip Temp Max")))
                for i, dev in enumerate(section(replies.get("edevs"), "DEVS"))],
        fans_rpm=[fan for fan in fans if fan is not None],
        power_w=positive(summary.get("Power")),
        **summary_fields(replies),
        online=True, errors=[*errors_of(replies), *_info_errors(replies)], psu=_psu(replies),
    )


BACKEND = Backend("whatsminer", "Whatsminer (btminer)", ("summary", "edevs", "pools"),
                  recognizes, parse, optional=("get_version", "get_psu", "status"),
                  enrich=enrich)
