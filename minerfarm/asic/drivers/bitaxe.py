"""Bitaxe and other ESP-Miner forks (AxeOS, NerdQAxe): ``GET /api/system/info`` on port 80.

No auth. ``hashRate``/``hashRate_1m`` and ``expectedHashrate`` are GH/s; ``power`` W;
``temp`` is the ASIC, ``vrTemp`` the regulator, ``temp2 == -1`` no second sensor; fans
``fanrpm``/``fan2rpm`` (0 = no second fan on a one-fan board: left out). Pools are
``stratumURL`` + ``stratumPort`` (the fallback pool while ``isUsingFallbackStratum``).
NerdQAxe++ adds ``deviceModel``, ``hostip``, ``stratum.pools[]``, ``fans[]``, ``asicTemps[]``
(no capture here: read where they match AxeOS's names, else None).
"""

from __future__ import annotations

from typing import Any

from minerfarm.cgminer import as_float, as_int
from minerfarm.protocol.reports import Asic, Board, Shares
from minerfarm.protocol.units import to_hs

from .base import Backend, errors_of, mac, never, positive, temperature, text
from .transport import Replies
from .web import WebRequest

INFO = WebRequest("info", "/api/system/info")
ASIC = WebRequest("asic", "/api/system/asic", optional=True)  # deviceModel on AxeOS 2.x


def recognizes_info(reply: Any) -> bool:
    return isinstance(reply, dict) and "hashRate" in reply \
        and ("ASICModel" in reply or "deviceModel" in reply)


def _pool(info: dict[str, Any]) -> str | None:
    prefix = "fallbackStratum" if as_int(info.get("isUsingFallbackStratum")) else "stratum"
    host, port = text(info.get(f"{prefix}URL")), as_int(info.get(f"{prefix}Port"))
    if host is None:
        return None
    url = host if "://" in host else f"stratum+tcp://{host}"
    return f"{url}:{port}" if port else url


def parse(ip: str, replies: Replies) -> Asic:
    info = replies.json("info")
    rate = as_float(info.get("hashRate_1m"))
    if rate is None:
        rate = as_float(info.get("hashRate"))
    fans = [as_float(info.get("fanrpm"))]
    second = as_float(info.get("fan2rpm"))
    if second:
        fans.append(second)
    accepted, rejected = as_int(info.get("sharesAccepted")), as_int(info.get("sharesRejected"))
    device = text(info.get("deviceModel")) or text(replies.json("asic").get("deviceModel"))
    board = text(info.get("boardVersion"))
    return Asic(
        ip=ip, mac=mac(info.get("macAddr")),
        make="Bitaxe" if info else None, model=device or (f"board {board}" if board else None),
        model_variant=text(info.get("ASICModel")),
        firmware_version=text(info.get("axeOSVersion")) or text(info.get("version")),
        software_version=f"ESP-Miner {info['version']}" if text(info.get("version")) else None,
        hashrate_hs=to_hs(rate, "GH"),
        expected_hashrate_hs=to_hs(positive(info.get("expectedHashrate")), "GH"),
        boards=[Board(index=0, hashrate_hs=to_hs(rate, "GH"),
                      temp_c=temperature(info.get("vrTemp")),
                      chip_temp_c=temperature(info.get("temp")))] if info else [],
        fans_rpm=[fan for fan in fans if fan is not None],
        power_w=positive(info.get("power")),
        pool=_pool(info),
        shares=Shares(accepted=accepted, rejected=rejected)
        if accepted is not None or rejected is not None else None,
        uptime_s=as_float(info.get("uptimeSeconds")),
        online=True, errors=errors_of(replies),
    )


BACKEND = Backend("bitaxe", "Bitaxe / ESP-Miner (AxeOS, NerdQAxe)", (), never, parse,
                  web=(INFO, ASIC), probe=INFO, web_recognizes=recognizes_info)
