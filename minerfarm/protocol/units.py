"""Hashrate units, converted once: everything on the wire is H/s.

Miners print hashrates in many ways: ``12.3`` with a unit elsewhere in the reply,
``"61.5 M"``, ``"1.2 GH/s"``, ``"95.0 Th/s"``. :func:`to_hs` turns any of these into a float in
H/s; :func:`parse_hashrate` parses free text.
"""

from __future__ import annotations

import math
import re

# Prefix multipliers, by the first letter of the unit (case-insensitive: miners write "Mh/s",
# "MH/s", "mh"); "" is plain H/s.
_PREFIX = {
    "": 1.0,
    "k": 1e3,
    "m": 1e6,
    "g": 1e9,
    "t": 1e12,
    "p": 1e15,
    "e": 1e18,
}

_HASHRATE_TEXT = re.compile(
    r"^\s*(?P<value>[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?)\s*"
    r"(?P<prefix>[kKmMgGtTpPeE]?)\s*(?:[hH](?:/?[sS])?|[sS]ol/?s)?\s*$"
)


class UnitError(ValueError):
    """A hashrate or unit that cannot be understood."""


def multiplier(unit: str | None) -> float:
    """Multiplier from ``unit`` (``"MH/s"``, ``"Gh"``, ``"k"``, ``"H/s"``, ``None``) to H/s."""
    if unit is None:
        return 1.0
    text = unit.strip()
    lowered = text.lower()
    for suffix in ("h/s", "hs", "h", "sol/s", "sols", "/s"):
        if lowered.endswith(suffix):
            text = text[: len(text) - len(suffix)]
            break
    prefix = text.strip().lower()
    if prefix not in _PREFIX:
        raise UnitError(f"unknown hashrate unit {unit!r}")
    return _PREFIX[prefix]


def to_hs(value: float | int | str | None, unit: str | None = None) -> float | None:
    """``value`` in ``unit`` as H/s; ``None`` stays ``None`` (never invent a zero).

    ``value`` may be text with its own unit (``"61.5 M"``), in which case ``unit`` is ignored.
    """
    if value is None:
        return None
    if isinstance(value, str):
        return parse_hashrate(value, default_unit=unit)
    number = float(value)
    if math.isnan(number) or math.isinf(number):
        return None
    return number * multiplier(unit)


def parse_hashrate(text: str, default_unit: str | None = None) -> float | None:
    """Parse ``"61.5 M"``, ``"1.2 GH/s"``, ``"12345"`` into H/s; empty text gives ``None``."""
    if not text.strip():
        return None
    match = _HASHRATE_TEXT.match(text)
    if match is None:
        raise UnitError(f"not a hashrate: {text!r}")
    number = float(match["value"])
    if match["prefix"]:
        return number * _PREFIX[match["prefix"].lower()]
    return number * multiplier(default_unit)


def humanize_hs(value: float | None, digits: int = 2) -> str:
    """``2.0e14`` -> ``"200.00 TH/s"``; ``None`` -> ``"—"``."""
    if value is None:
        return "—"
    for prefix, factor in (("E", 1e18), ("P", 1e15), ("T", 1e12), ("G", 1e9), ("M", 1e6),
                           ("k", 1e3)):
        if abs(value) >= factor:
            return f"{value / factor:.{digits}f} {prefix}H/s"
    return f"{value:.{digits}f} H/s"
