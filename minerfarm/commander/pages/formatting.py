"""Human units for the templates: H/s up to EH/s, W/kW, °C, %, MHz, durations, times.

Missing figures print as a dash, never as 0.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from jinja2 import Undefined
from quart import Blueprint

from minerfarm.protocol.units import humanize_hs

DASH = "—"


def watts(value: float | None) -> str:
    if value is None:
        return DASH
    return f"{value / 1000:.2f} kW" if value >= 10_000 else f"{value:,.0f} W"


def celsius(value: float | None) -> str:
    return DASH if value is None else f"{value:.0f} °C"


def percent(value: float | None) -> str:
    return DASH if value is None else f"{value:.0f} %"


def mhz(value: float | None) -> str:
    return DASH if value is None else f"{value:.0f} MHz"


def rpm(value: float | None) -> str:
    return DASH if value is None else f"{value:.0f}"


def number(value: float | None) -> str:
    return DASH if value is None else f"{value:,.0f}"


def duration(seconds: float | None) -> str:
    if seconds is None:
        return DASH
    seconds = int(seconds)
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    if days:
        return f"{days} d {hours} h"
    return f"{hours} h {minutes} min" if hours else f"{minutes} min"


def skew(seconds: float | None) -> str:
    """A rig clock's offset: "clock 3 h 12 min behind" / "clock 2 d 1 h ahead"."""
    if seconds is None:
        return ""
    size = abs(seconds)
    text = duration(size) if size >= 60 else f"{size:.0f} s"
    return f"clock {text} {'ahead' if seconds > 0 else 'behind'}"


def utc(moment: datetime | None) -> str:
    return "never" if moment is None else moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")


def iso(moment: datetime | None) -> str:
    """For ``<time datetime>``: ISO 8601 in UTC, to the second."""
    if moment is None:
        return ""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def epoch(moment: datetime | None) -> str:
    return "" if moment is None else str(int(moment.timestamp()))


def install(blueprint: Blueprint) -> None:
    filters: dict[str, Callable[[Any], str]] = {
        "hashrate": humanize_hs, "watts": watts, "celsius": celsius, "pct": percent, "mhz": mhz,
        "rpm": rpm, "number": number, "duration": duration, "skew": skew, "utc": utc,
        "epoch": epoch, "iso": iso,
    }
    for name, function in filters.items():
        blueprint.add_app_template_filter(_absent_is_none(function), name)


def _absent_is_none(function: Callable[[Any], str]) -> Callable[[Any], str]:
    """A field the report left out is ``Undefined`` in a template: print it as missing."""

    def wrapper(value: Any) -> str:
        return function(None if isinstance(value, Undefined) else value)

    return wrapper
