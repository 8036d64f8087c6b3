"""Braiins OS 26.04+ public REST API (``/api/v1/...`` on port 80, token login).

``miner/details`` (``miner_identity.miner_model`` "Antminer S21 Pro", ``mac_address``,
``bos_version.current``, ``sticker_hashrate``, ``bosminer_uptime_s``), ``miner/stats``
(``real_hashrate.last_1m`` GH/s, ``power_stats.approximated_consumption.watt``,
``pool_stats`` shares), ``miner/hw/hashboards`` (per board rate, ``board_temp``,
``highest_chip_temp``), ``cooling/state`` (``fans[].rpm``), ``pools`` (groups of pools,
``active``) and ``miner/errors`` (the firmware's own error log: the newest few are reported).
Before 26.04 there is no REST API: the legacy GraphQL ``/graphql`` (25.03: cookie login with
the ``auth.login`` mutation) gives the boards (``childSolvers``: ``realHashrate.mhs5S``
MH/s, ``nominalMhs``, ``temperatures`` "Max Board"/"Max Chip"). Every request is optional.
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
GRAPHQL = WebRequest("gql_boards", "/graphql", "POST", {"query": (
    "{bosminer{info{workSolver{childSolvers{name,nominalMhs,realHashrate{mhs5S},"
    "hwDetails{chips},temperatures{name,degreesC}}}}}}")}, optional=True,
    auth=WebAuth("graphql", Login("root", "")))
REQUESTS = (*(WebRequest(name, f"/api/v1/{path}", optional=True) for name, path in (
    ("details", "miner/details"), ("stats", "miner/stats"),
    ("hashboards", "miner/hw/hashboards"), ("cooling", "cooling/state"),
    ("rest_pools", "pools"), ("miner_errors", "miner/errors"))), GRAPHQL)
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


def _solvers(reply: Any) -> list[dict[str, Any]]:
    solvers = dig(reply, "data", "bosminer", "info", "workSolver", "childSolvers") or []
    return [s for s in solvers if isinstance(s, dict)]


def _named(readings: Any, name: str) -> float | None:
    for reading in readings if isinstance(readings, list) else []:
        if isinstance(reading, dict) and reading.get("name") == name:
            return temperature(reading.get("degreesC"))
    return None


def _graphql_boards(reply: Any) -> list[Board]:
    return [Board(index=i, hashrate_hs=to_hs(as_float(dig(s, "realHashrate", "mhs5S")), "MH"),
                  temp_c=_named(s.get("temperatures"), "Max Board"),
                  chip_temp_c=_named(s.get("temperatures"), "Max Chip"))
            for i, s in enumerate(_solvers(reply))]


def _graphql_nominal(reply: Any) -> float | None:
    rates = [as_float(s.get("nominalMhs")) for s in _solvers(reply)]
    present = [r for r in rates if r is not None]
    return to_hs(sum(present), "MH") if present else None


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
    gql_rates = [b.hashrate_hs for b in _graphql_boards(replies.web.get("gql_boards"))
                 if b.hashrate_hs is not None]
    return {
        "make": make or None, "model": model or None, "mac": mac(details.get("mac_address")),
        "serial": text(details.get("serial_number")),
        "firmware_version": current,
        "software_version": f"Braiins OS {current}" if current else None,
        "hashrate_hs": _rate(dig(stats, "miner_stats", "real_hashrate"))
        or (sum(gql_rates) if gql_rates else None),
        "expected_hashrate_hs": _gh(details.get("sticker_hashrate"))
        or _gh(dig(stats, "miner_stats", "nominal_hashrate"))
        or _graphql_nominal(replies.web.get("gql_boards")),
        "power_w": positive(dig(stats, "power_stats", "approximated_consumption", "watt")),
        "shares": Shares(accepted=accepted, rejected=rejected, stale=stale)
        if (accepted, rejected, stale) != (None, None, None) else None,
        "uptime_s": as_float(details.get("bosminer_uptime_s")),
        "boards": _boards(replies.web.get("hashboards"))
        or _graphql_boards(replies.web.get("gql_boards")) or None,
        "fans_rpm": [f for f in fans if f is not None] or None,
        "pool": _pool(replies.web.get("rest_pools")),
        "errors": _errors(replies.web.get("miner_errors")) or None,
    }
