"""Goldshell (CK, LT, HS, KD, KA... control board "mcb" web API, port 80).

Reads ``/mcb/status`` (``model`` "Goldshell-CK5", ``firmware``), ``/mcb/cgminer?cgi=devs``
(per hash board ``hashrate``/``av_hashrate`` MH/s, ``temp`` "83.0 Â°C / 73.8 Â°C" with a
mojibake degree sign: the hottest is the board's ``temp_c``, which sensor is the chip is not
documented; ``fanspeed`` "2940 rpm / ..." repeated on every board; shares. ``time`` is not
known to be seconds: no uptime), ``/mcb/pools`` (``active``) and ``/mcb/setting`` (``name``
is the MAC). Login: a JWT from ``/user/login`` (default admin / 123456789), asked for only
once a request gets 401.
"""

from __future__ import annotations

from typing import Any

from minerfarm.cgminer import as_float, as_int
from minerfarm.protocol.reports import Asic, Board, Shares
from minerfarm.protocol.units import to_hs

from .base import Backend, errors_of, mac, never, temperature, text
from .transport import Replies
from .web import Login, WebAuth, WebRequest

STATUS = WebRequest("status", "/mcb/status")
REQUESTS = (STATUS, WebRequest("devs", "/mcb/cgminer?cgi=devs"),
            WebRequest("pools", "/mcb/pools"), WebRequest("setting", "/mcb/setting"))


def recognizes_status(reply: Any) -> bool:
    return isinstance(reply, dict) and str(reply.get("model", "")).startswith("Goldshell")


def _readings(value: Any) -> list[float]:
    """``"83.0 Â°C / 73.8 Â°C"`` -> [83.0, 73.8]."""
    if not isinstance(value, str):
        return []
    return [n for n in (as_float(part.strip()) for part in value.split("/")) if n is not None]


def _pool(pools: Any) -> str | None:
    if not isinstance(pools, list):
        return None
    active = [p for p in pools if isinstance(p, dict) and p.get("active") is True]
    return text(active[0].get("url")) if active else None


def parse(ip: str, replies: Replies) -> Asic:
    status = replies.json("status")
    devs = [d for d in replies.json("devs").get("data") or [] if isinstance(d, dict)]
    make, _, model = (text(status.get("model")) or "").partition("-")
    boards, accepted, rejected = [], None, None
    for position, dev in enumerate(devs):
        temps = _readings(dev.get("temp"))
        boards.append(Board(index=position, hashrate_hs=to_hs(as_float(dev.get("hashrate")), "MH"),
                            temp_c=temperature(max(temps)) if temps else None))
        for name in ("accepted", "rejected"):
            value = as_int(dev.get(name))
            if value is not None:
                if name == "accepted":
                    accepted = (accepted or 0) + value
                else:
                    rejected = (rejected or 0) + value
    rates = [b.hashrate_hs for b in boards if b.hashrate_hs is not None]
    # the same fans are repeated on every board
    fans: list[float | None] = [*_readings(devs[0].get("fanspeed"))] if devs else []
    return Asic(
        ip=ip, mac=mac(replies.json("setting").get("name")),
        make=make or None, model=model or None,
        firmware_version=text(status.get("firmware")),
        model_variant=text(status.get("hardware")),
        hashrate_hs=sum(rates) if rates else None,
        boards=boards, fans_rpm=fans,
        pool=_pool(replies.web.get("pools")),
        shares=Shares(accepted=accepted, rejected=rejected)
        if accepted is not None or rejected is not None else None,
        online=True, errors=errors_of(replies),
    )


BACKEND = Backend("goldshell", "Goldshell (mcb web API)", (), never, parse, web=REQUESTS,
                  auth=WebAuth("goldshell", Login("admin", "123456789")), probe=STATUS,
                  web_recognizes=recognizes_status)
