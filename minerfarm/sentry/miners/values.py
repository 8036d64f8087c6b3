"""Tolerant readers for fields of a miner's JSON reply.

Miner APIs change between versions and sometimes lie (``null``, ``""``, ``-1``, a string where a
number was). Each reader returns ``None`` for anything it cannot trust, never a made-up 0, so a
missing figure stays missing on the wire.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

from minerfarm.protocol.reports import DeviceHashrate, Shares
from minerfarm.protocol.units import UnitError, to_hs

MAX_TEXT = 256  # the wire's ShortText limit


def obj(value: Any) -> dict[str, Any]:
    """``value`` if it is a JSON object, else ``{}`` (so ``obj(x).get(...)`` never raises)."""
    return value if isinstance(value, dict) else {}


def objects(value: Any) -> list[dict[str, Any]]:
    """The JSON objects in a list; anything else gives ``[]``."""
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def number(value: Any) -> float | None:
    """A finite JSON number, else ``None`` (``bool`` is not a number here)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def non_negative(value: Any) -> float | None:
    """A finite number >= 0; miners write ``-1`` for "unknown"."""
    result = number(value)
    return result if result is not None and result >= 0 else None


def count(value: Any) -> int | None:
    """A share count or similar: a non-negative integer, else ``None``."""
    result = non_negative(value)
    return int(result) if result is not None else None


def text(value: Any) -> str | None:
    """Non-empty text (stripped, cut to the wire's limit), else ``None``."""
    if not isinstance(value, str) or not value.strip():
        return None
    return value.strip()[:MAX_TEXT]


def hashrate(value: Any, unit: str | None = None) -> float | None:
    """``value`` (a number, or text such as ``"61.50 M"``) in ``unit`` as H/s; ``None`` if it
    cannot be read or is negative."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        result = to_hs(value, unit)
    except UnitError:
        return None
    return result if result is not None and math.isfinite(result) and result >= 0 else None


def first_number(values: Any) -> float | None:
    """The first usable number of a list such as xmrig's ``[10s, 60s, 15m]`` (``null`` while
    a window has not filled yet)."""
    if not isinstance(values, list):
        return non_negative(values)
    for value in values:
        result = non_negative(value)
        if result is not None:
            return result
    return None


def total(values: Iterable[float | None]) -> float | None:
    """The sum, or ``None`` when any part is unknown (a partial sum would understate)."""
    parts = list(values)
    if not parts or any(part is None for part in parts):
        return None
    return sum(part for part in parts if part is not None)


def total_count(values: Iterable[int | None]) -> int | None:
    result = total(float(v) if v is not None else None for v in values)
    return int(result) if result is not None else None


def shares(accepted: Any = None, rejected: Any = None, stale: Any = None) -> Shares | None:
    """A :class:`Shares` of the counts given, or ``None`` when the miner gave none at all."""
    counts = {"accepted": count(accepted), "rejected": count(rejected), "stale": count(stale)}
    if all(value is None for value in counts.values()):
        return None
    return Shares(**counts)


def version_from(software_line: Any) -> str | None:
    """``"lolMiner 1.92"`` / ``"GMiner 3.06"`` / ``"TeamRedMiner 0.3.8"`` -> the version."""
    line = text(software_line)
    if line is None:
        return None
    return line.rsplit(" ", 1)[-1] if " " in line else None


def device(position: int, index: Any, hashrate_hs: float | None) -> DeviceHashrate:
    """A device numbered by the miner's own index (GPU id) when it gives a usable one, else by
    its position in the reply."""
    number = count(index)
    return DeviceHashrate(index=position if number is None else number, hashrate_hs=hashrate_hs)
