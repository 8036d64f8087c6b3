"""Elphapex (DG-Home, DG1 series; scrypt): the Antminer-style CGI web API on port 80.

Reads ``/cgi-bin/get_system_info.cgi`` (``minertype``, ``macaddr``,
``system_filesystem_version``, ``Algorithm``), ``summary.cgi`` (``rate_*`` in ``rate_unit``),
``stats.cgi`` (``chain[]``: ``rate_real``, ``temp_pcb[]``, ``temp_chip[]`` as strings in an
undocumented scale: left out; ``fan[]`` RPM strings; ``rate_ideal``) and ``pools.cgi``
(lower-case cgminer keys). HTTP digest auth, default root / root. A chain slot with no chips
and no serial is empty and left out.
"""

from __future__ import annotations

from typing import Any

from minerfarm.cgminer import as_float, as_int
from minerfarm.protocol.reports import Asic, Board, Shares
from minerfarm.protocol.units import to_hs

from .base import Backend, dig, errors_of, mac, never, positive, temperature, text
from .transport import Replies
from .web import DIGEST_ROOT, WebRequest

SYSTEM_INFO = WebRequest("system_info", "/cgi-bin/get_system_info.cgi")
REQUESTS = (SYSTEM_INFO, WebRequest("summary", "/cgi-bin/summary.cgi"),
            WebRequest("stats", "/cgi-bin/stats.cgi"), WebRequest("pools", "/cgi-bin/pools.cgi"))
_WINDOWS = ("rate_5s", "rate_30m", "rate_avg")


def recognizes_system_info(reply: Any) -> bool:
    kind = reply.get("minertype") if isinstance(reply, dict) else None
    return isinstance(kind, str) and bool(kind) and not kind.startswith("Antminer")


def _rate(entry: dict[str, Any], unit: str) -> float | None:
    for window in _WINDOWS:
        value = as_float(entry.get(window))
        if value is not None:
            return to_hs(value, unit)
    return None


def _pools(pools: list[Any]) -> tuple[str | None, Shares | None]:
    rows = [p for p in pools if isinstance(p, dict)]
    alive = sorted((p for p in rows if str(p.get("status", "")).lower() == "alive"),
                   key=lambda p: as_int(p.get("priority")) or 0)
    totals = {k: [as_int(p.get(k)) for p in rows] for k in ("accepted", "rejected", "stale")}
    sums = {k: sum(v for v in values if v is not None) if any(v is not None for v in values)
            else None for k, values in totals.items()}
    shares = Shares(**sums) if any(v is not None for v in sums.values()) else None
    return (text(alive[0].get("url")) if alive else None), shares


def parse(ip: str, replies: Replies) -> Asic:
    info, summary_reply = replies.json("system_info"), replies.json("summary")
    summary = dig(summary_reply, "SUMMARY", 0) or {}
    stats = dig(replies.json("stats"), "STATS", 0) or {}
    unit = str(summary.get("rate_unit") or stats.get("rate_unit") or "MH/s").removesuffix("/s")
    chains = [c for c in stats.get("chain") or [] if isinstance(c, dict)
              and (as_int(c.get("asic_num")) or text(c.get("sn")))]
    boards = [Board(index=i, hashrate_hs=to_hs(as_float(c.get("rate_real")), unit),
                    temp_c=max((t for t in map(temperature, c.get("temp_pcb") or [])
                                if t is not None), default=None))
              for i, c in enumerate(chains)]
    pool, shares = _pools(replies.json("pools").get("POOLS") or [])
    return Asic(
        ip=ip, mac=mac(info.get("macaddr")), make="Elphapex" if info or summary else None,
        model=text(info.get("minertype")) or text(dig(summary_reply, "INFO", "type")),
        firmware_version=text(info.get("system_filesystem_version"))
        or text(dig(summary_reply, "INFO", "miner_version")),
        algorithm=text(info.get("Algorithm")),
        hashrate_hs=_rate(summary, unit) if summary else _rate(stats, unit),
        expected_hashrate_hs=to_hs(positive(summary.get("rate_ideal")
                                            or stats.get("rate_ideal")), unit),
        boards=boards,
        fans_rpm=[f for f in (as_float(v) for v in stats.get("fan") or []) if f is not None],
        pool=pool, shares=shares,
        uptime_s=as_float(summary.get("elapsed")),
        online=True, errors=errors_of(replies),
    )


BACKEND = Backend("elphapex", "Elphapex (CGI web API)", (), never, parse, web=REQUESTS,
                  auth=DIGEST_ROOT, probe=SYSTEM_INFO, web_recognizes=recognizes_system_info)
