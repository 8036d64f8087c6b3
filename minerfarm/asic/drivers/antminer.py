"""Antminer stock firmware (bmminer / cgminer by Bitmain): S9 era to S21.

Reads ``version`` (model ``Type``, ``CompileTime`` = the firmware version), ``summary``
(hashrate in GH/s, shares, uptime), ``stats`` (per chain ``chain_rateN`` GH/s, ``tempN``
board and ``temp2_N`` chip temperature, ``fanN`` slots, ``total_rateideal``, ``chain_power``)
and ``pools``. The web API (``/cgi-bin/get_system_info.cgi``, HTTP digest, default root /
root) adds the MAC (``macaddr``), the model (``minertype``) where RPC gives none, and the
serial (``serinum``). Firmwares without it just lack those fields.
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
    dig,
    errors_of,
    fan_slots,
    first,
    hashrate,
    mac,
    positive,
    shares,
    temperature,
    text,
)
from .facts import facts_for
from .transport import Replies
from .web import DIGEST_ROOT, WebRequest

SYSTEM_INFO = WebRequest("system_info", "/cgi-bin/get_system_info.cgi", optional=True)

_CHAINS = range(1, 17)
_FANS = range(1, 9)


def recognizes(reply: Mapping[str, Any]) -> bool:
    version = first(reply, "VERSION")
    return "BMMiner" in version or str(version.get("Type", "")).startswith("Antminer")


def _stats(replies: Replies) -> tuple[dict[str, Any], dict[str, Any]]:
    """(the info entry with ``Type``, the entry with the chains and fans)."""
    entries = section(replies.get("stats"), "STATS")
    info = next((e for e in entries if "Type" in e), {})
    chains = next((e for e in entries if "ID" in e or "STATS" in e), {})
    return info, chains


def boards(chains: Mapping[str, Any]) -> list[Board]:
    result: list[Board] = []
    for n in _CHAINS:
        rate = as_float(chains.get(f"chain_rate{n}"))
        chips = as_int(chains.get(f"chain_acn{n}"))
        if rate is None and not chips:
            continue  # an empty chain slot
        result.append(Board(index=len(result), hashrate_hs=to_hs(rate, "GH"),
                            temp_c=temperature(chains.get(f"temp{n}")),
                            chip_temp_c=temperature(chains.get(f"temp2_{n}"))))
    return result


def recognizes_system_info(reply: Any) -> bool:
    return str(dig(reply, "minertype") or "").startswith("Antminer")


def parse(ip: str, replies: Replies) -> Asic:
    version = first(replies.get("version"), "VERSION")
    summary = first(replies.get("summary"), "SUMMARY")
    info, chains = _stats(replies)
    system = replies.json("system_info")
    kind = str(version.get("Type") or info.get("Type") or text(system.get("minertype")) or "")
    make, _, model = kind.partition(" ")
    facts = facts_for(make or None, model or None)
    ideal = to_hs(positive(chains.get("total_rateideal")), "GH")
    return Asic(
        ip=ip, make=make or None, model=model or None, mac=mac(system.get("macaddr")),
        serial=text(system.get("serinum")),
        firmware_version=version.get("CompileTime") or info.get("CompileTime")
        or text(system.get("system_filesystem_version")),
        software_version=f"bmminer {version['BMMiner']}" if version.get("BMMiner") else None,
        hashrate_hs=hashrate(summary, ("GHS",)) or hashrate(chains, ("GHS",)),
        expected_hashrate_hs=ideal or (facts.expected_hashrate_hs if facts else None),
        boards=boards(chains),
        fans_rpm=fan_slots((as_float(chains.get(f"fan{n}")) for n in _FANS), facts,
                           as_int(chains.get("fan_num"))) if chains else [],
        power_w=positive(chains.get("chain_power")),
        pool=active_pool(replies.get("pools")),
        shares=shares(summary),
        uptime_s=as_float(summary.get("Elapsed") or chains.get("Elapsed")),
        online=True, errors=errors_of(replies),
    )


BACKEND = Backend("antminer", "Antminer stock firmware (bmminer)",
                  ("version", "summary", "stats", "pools"), recognizes, parse,
                  web=(SYSTEM_INFO,), auth=DIGEST_ROOT,
                  probe=WebRequest("system_info", "/cgi-bin/get_system_info.cgi"),
                  web_recognizes=recognizes_system_info)
