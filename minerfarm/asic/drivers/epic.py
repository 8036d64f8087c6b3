"""ePIC umcOS / PowerPlay-BMS (ePIC control boards on Antminers): HTTP JSON on port 4028.

Reads ``/summary`` (``HBs[]`` per board ``Hashrate`` [MH/s, ...] and ``Temperature``,
``Session`` "Average MHs"/Accepted/Rejected/Uptime, ``Stratum`` "Current Pool", "Power Supply
Stats" "Input Power" W, "Fans Rpm" with 12 slots where ``null`` = no fan, ``Mining``
Algorithm/Coin, ``Software``), ``/capabilities`` (``Model`` "AntMiner S19 XP", ``Default
Hashrate`` TH/s) and ``/network`` (``dhcp.mac_address``). Reads need no login (writes take
the password, default ``letmein``, which this read-only sentry never sends).
"""

from __future__ import annotations

from typing import Any

from minerfarm.cgminer import as_float, as_int
from minerfarm.protocol.reports import Asic, Board, Shares
from minerfarm.protocol.units import to_hs

from .base import Backend, dig, errors_of, mac, never, positive, temperature, text
from .transport import Replies
from .web import WebRequest

SUMMARY = WebRequest("summary", "/summary")
REQUESTS = (SUMMARY, WebRequest("capabilities", "/capabilities", optional=True),
            WebRequest("network", "/network", optional=True))


def recognizes_summary(reply: Any) -> bool:
    return isinstance(reply, dict) and (
        "PowerPlay" in str(reply.get("Software", "")) or reply.get("OS Type") == "umcOS")


def _model(capabilities: dict[str, Any]) -> tuple[str | None, str | None]:
    """``"AntMiner S19 XP"`` -> ("Antminer", "S19 XP") (the hardware under the ePIC board)."""
    make, _, model = (text(capabilities.get("Model")) or "").partition(" ")
    return ("Antminer" if make.lower() == "antminer" else make or None), model or None


def _fans(rpm: Any) -> list[float | None]:
    if not isinstance(rpm, dict):
        return []
    slots = sorted(((as_int(k.rsplit(" ", 1)[-1]) or 0, v) for k, v in rpm.items()))
    return [as_float(value) for _, value in slots if value is not None]


def parse(ip: str, replies: Replies) -> Asic:
    summary, capabilities = replies.json("summary"), replies.json("capabilities")
    make, model = _model(capabilities)
    session: dict[str, Any] = dig(summary, "Session") or {}
    boards = [Board(index=i,
                    hashrate_hs=to_hs(as_float(dig(hb, "Hashrate", 0)), "MH"),
                    temp_c=temperature(hb.get("Temperature")))
              for i, hb in enumerate(summary.get("HBs") or []) if isinstance(hb, dict)]
    rates = [b.hashrate_hs for b in boards if b.hashrate_hs is not None]
    accepted, rejected = as_int(session.get("Accepted")), as_int(session.get("Rejected"))
    pool = text(dig(summary, "Stratum", "Current Pool"))
    return Asic(
        ip=ip, mac=mac(dig(replies.json("network"), "dhcp", "mac_address")),
        make=make, model=model, model_variant=text(capabilities.get("Model Subtype")),
        firmware_version=text(summary.get("Software")),
        software_version=text(summary.get("OS Type")),
        algorithm=text(dig(summary, "Mining", "Algorithm")),
        coin=text(dig(summary, "Mining", "Coin")),
        hashrate_hs=sum(rates) if rates else to_hs(as_float(session.get("Average MHs")), "MH"),
        expected_hashrate_hs=to_hs(positive(capabilities.get("Default Hashrate")), "TH"),
        boards=boards, fans_rpm=_fans(summary.get("Fans Rpm")),
        power_w=positive(dig(summary, "Power Supply Stats", "Input Power")),
        pool=(pool if "://" in pool else f"stratum+tcp://{pool}") if pool else None,
        shares=Shares(accepted=accepted, rejected=rejected)
        if accepted is not None or rejected is not None else None,
        uptime_s=as_float(session.get("Uptime")),
        online=True, errors=errors_of(replies),
    )


BACKEND = Backend("epic", "ePIC umcOS (PowerPlay)", (), never, parse, web=REQUESTS,
                  web_port=4028, probe=SUMMARY, web_recognizes=recognizes_summary)
