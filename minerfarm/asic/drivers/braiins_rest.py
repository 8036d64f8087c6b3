"""Braiins OS 26.04+ public REST API (``/api/v1/...`` on port 80, token login).

``miner/details`` (``miner_identity.miner_model`` "Antminer S21 Pro", ``mac_address``,
``bos_version.current``, ``sticker_hashrate``, ``bosminer_uptime_s``), ``miner/stats``
(``real_hashrate.last_1m`` GH/s, ``power_stats.approximated_consumption.watt``,
``pool_stats`` shares), ``miner/hw/hashboards`` (per board rate, ``board_temp``,
``highest_chip_temp``), ``cooling/state`` (``fans[].rpm``), ``pools`` (groups of pools,
``active``) and ``miner/errors`` (the firmware's own error log: the newest few are reported).
Every request is optional: BOS before 26.04 has no REST API, only RPC.
"""

from __future__ import annotations

from typing import Any

from minerfarm.cgminer import as_float, as_int
from minerfarm.protocol.reports import Board, Shares
from minerfarm.protocol.units import to_hs

from .base import dig, mac, positive, temperature, text
from .transport import Replies
from .web import Login, WebAuth, WebRequest

AUTH = WebAuth("braiins", Login("root", ""))  # BOS ships with root and no password
REQUESTS = tuple(WebRequest(name, f"/api/v1/{path}", optional=True) for name, path in (
    ("details", "miner/details"), ("stats", "miner/stats"),
    ("hashboards", "miner/hw/hashboards"), ("cooling", "cooling/state"),
    ("rest_pools", "pools"), ("miner_errors", "miner/errors")))
NEWEST_ERRORS = 5
_WINDOWS = ("last_1m", "last_30s", "last_15s", "last_5s", "since_restart")


def _gh(value: Any) -> float | None:
    return to_hs(as_float(dig(value, "gigahash_per_second")), "GH")


def _rate(real: Any) -> float | None:
    for window in _WINDOWS:
        rate = _gh(dig(real, window))
        if rate is not None:
            return rate
    return None


def _boards(reply: Any) -> list[Board]:
    boards = [b for b in dig(reply, "hashboards") or [] if isinstance(b, dict)]
    return [Board(index=i, hashrate_hs=_rate(dig(b, "stats", "real_hashrate")),
                  temp_c=temperature(dig(b, "board_temp", "degree_c")),
                  chip_temp_c=temperature(dig(b, "highest_chip_temp", "temperature",
                                              "degree_c")))
            for i, b in enumerate(boards)]


def _pool(groups: Any) -> str | None:
    for group in groups if isinstance(groups, list) else []:
        for pool in dig(group, "pools") or []:
            if isinstance(pool, dict) and pool.get("active") is True:
                return text(pool.get("url"))
    return None


def _errors(reply: Any) -> list[str]:
    entries = [e for e in dig(reply, "errors") or [] if isinstance(e, dict) and e.get("message")]
    entries.sort(key=lambda e: str(e.get("timestamp", "")), reverse=True)
    return [f"{e.get('timestamp', '')} {e['message']}".strip()[:1024]
            for e in entries[:NEWEST_ERRORS]]


def fields(replies: Replies) -> dict[str, Any]:
    """The reading's fields the REST API gives (None where it gives nothing)."""
    details, stats = replies.json("details"), replies.json("stats")
    make, _, model = (text(dig(details, "miner_identity", "miner_model")) or "").partition(" ")
    accepted, rejected, stale = (as_int(dig(stats, "pool_stats", key)) for key in
                                 ("accepted_shares", "rejected_shares", "stale_shares"))
    fans = [as_float(f.get("rpm")) for f in dig(replies.json("cooling"), "fans") or []
            if isinstance(f, dict)]
    current = text(dig(details, "bos_version", "current"))
    return {
        "make": make or None, "model": model or None, "mac": mac(details.get("mac_address")),
        "firmware_version": current,
        "software_version": f"Braiins OS {current}" if current else None,
        "hashrate_hs": _rate(dig(stats, "miner_stats", "real_hashrate")),
        "expected_hashrate_hs": _gh(details.get("sticker_hashrate"))
        or _gh(dig(stats, "miner_stats", "nominal_hashrate")),
        "power_w": positive(dig(stats, "power_stats", "approximated_consumption", "watt")),
        "shares": Shares(accepted=accepted, rejected=rejected, stale=stale)
        if (accepted, rejected, stale) != (None, None, None) else None,
        "uptime_s": as_float(details.get("bosminer_uptime_s")),
        "boards": _boards(replies.web.get("hashboards")) or None,
        "fans_rpm": [f for f in fans if f is not None] or None,
        "pool": _pool(replies.web.get("rest_pools")),
        "errors": _errors(replies.web.get("miner_errors")) or None,
    }
