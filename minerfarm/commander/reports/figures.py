"""What a stored report's JSON says, read in one place.

The consumer (ASIC rows), the dashboard digests and totals, the chart rollups and the report
pages all read reports through these functions, so they agree on an ASIC's identity, on which
figures count, and on ``None`` (not given: shown as a dash) versus 0. Everything here is pure
and takes the report (or one ``asics[]`` entry) as the plain JSON it was stored as.
"""

from __future__ import annotations

from typing import Any

Figures = tuple[float | None, float | None, float | None]
"""(hashrate in H/s, hottest temperature in degrees C, power in W)."""

ASIC_COLUMNS = ("make", "model", "model_variant", "firmware_version", "software_version")
"""The identity fields of an ASIC kept as columns of ``asic_miners``."""


def sum_of(values: list[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return sum(present) if present else None


def max_of(values: list[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return max(present) if present else None


def asic_identity(asic: dict[str, Any]) -> str:
    """Same identity as the ``asic_miners`` table: the MAC when known, else ``ip:<address>``."""
    mac = (asic.get("mac") or "").lower()
    return mac or f"ip:{asic.get('ip')}"


def asic_temp(asic: dict[str, Any]) -> float | None:
    boards = asic.get("boards") or ()
    return max_of([b.get("chip_temp_c") or b.get("temp_c") for b in boards])


def rollup_figures(stats: dict[str, Any]) -> Figures:
    """(hashrate, hottest temperature, power) of a whole report, for the rig's charts."""
    if stats.get("asics"):
        online = [a for a in stats["asics"] if a.get("online")]
        return (sum_of([a.get("hashrate_hs") for a in online]),
                max_of([asic_temp(a) for a in online]), sum_of([a.get("power_w") for a in online]))
    gpus = stats.get("gpus") or []
    temp = max_of([g.get("temp_c") for g in gpus])
    if temp is None:
        temp = ((stats.get("host") or {}).get("cpu") or {}).get("temp_c")
    return (sum_of([m.get("hashrate_hs") for m in stats.get("miners") or []]), temp,
            sum_of([g.get("power_w") for g in gpus]))


def asic_figures(asic: dict[str, Any]) -> Figures:
    if not asic.get("online"):
        return None, None, None
    return asic.get("hashrate_hs"), asic_temp(asic), asic.get("power_w")
