"""A stored report in labelled lines for the reports pages (the raw JSON stays behind a
toggle): each miner with its hashrate, coin or algorithm, shares and pool; each GPU's
temperature and power; an ASIC's figures. A figure the report did not give is a dash."""

from __future__ import annotations

from typing import Any

from minerfarm.commander.pages.formatting import DASH, celsius, duration, number, watts
from minerfarm.commander.reports.figures import asic_temp, obj, objects, text
from minerfarm.commander.reports.figures import number as figure
from minerfarm.protocol.units import humanize_hs

Line = tuple[str, str]


def _shares(shares: Any) -> str:
    s = obj(shares)
    return (f"shares {number(figure(s.get('accepted')))} accepted / "
            f"{number(figure(s.get('rejected')))} rejected")


def miner_line(miner: dict[str, Any]) -> Line:
    name = " ".join(p for p in (text(miner.get("software")) or "miner",
                                text(miner.get("version"))) if p)
    if miner.get("api_error"):
        where = text(miner.get("api_url")) or "its API"
        return name, f"not answering at {where} ({miner['api_error']})"
    what = text(miner.get("coin")) or text(miner.get("algorithm")) or ""
    parts = [f"{humanize_hs(figure(miner.get('hashrate_hs')))} {what}".strip(),
             _shares(miner.get("shares")), f"pool {text(miner.get('pool')) or DASH}"]
    if miner.get("running") is False:
        parts.insert(0, "not mining")
    if figure(miner.get("uptime_s")) is not None:
        parts.append(f"up {duration(figure(miner.get('uptime_s')))}")
    return name, " · ".join(parts)


def gpu_line(gpu: dict[str, Any]) -> Line:
    index = gpu.get("index")
    label = f"GPU {index}" if isinstance(index, int) else "GPU"
    name = text(gpu.get("name"))
    return (label, " · ".join(p for p in (name, celsius(figure(gpu.get("temp_c"))),
                                          watts(figure(gpu.get("power_w")))) if p))


def report_lines(payload: dict[str, Any]) -> list[Line]:
    lines = [miner_line(m) for m in objects(payload.get("miners"))]
    lines += [gpu_line(g) for g in objects(payload.get("gpus"))]
    asics = objects(payload.get("asics"))
    if asics:
        online = sum(1 for a in asics if a.get("online") is True)
        lines.append(("ASICs", f"{online} of {len(asics)} online"))
    if not lines:
        lines.append(("Report", "no miner, GPU or ASIC in it"))
    return lines


def asic_lines(asic: dict[str, Any]) -> list[Line]:
    state = "online" if asic.get("online") is True else "offline"
    return [
        (text(asic.get("ip")) or "ASIC", f"{state} · {humanize_hs(figure(asic.get('hashrate_hs')))}"
         f" · {celsius(asic_temp(asic))} · {watts(figure(asic.get('power_w')))}"),
        ("Pool", text(asic.get("pool")) or DASH),
        ("Shares", _shares(asic.get("shares"))),
    ]
