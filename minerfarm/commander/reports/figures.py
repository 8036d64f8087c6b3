"""What a stored report's JSON says, read in one place.

The consumer (ASIC rows), the dashboard digests and totals, the chart rollups and the report
pages all read reports through these functions, so they agree on an ASIC's identity, on which
figures count, and on ``None`` (not given: shown as a dash) versus 0. Everything here is pure
and takes the report (or one ``asics[]`` entry) as the plain JSON it was stored as.

Stored JSON is not trusted to have the protocol's shape (an older version stored what it was
sent): a figure that is not a finite number counts as not given, an entry that is not an
object is skipped, a name that is not text is None. :func:`usable_report` brings a whole
stored report back to the protocol's shape for the pages that show it field by field.
"""

from __future__ import annotations

import logging
import math
from typing import Any

from pydantic import ValidationError

from minerfarm.protocol.bounds import check_extras
from minerfarm.protocol.reports import (
    Asic,
    Board,
    Cpu,
    DeviceHashrate,
    Gpu,
    Host,
    Memory,
    Miner,
    Psu,
    Report,
    Shares,
)

WIRE_PARTS = (Asic, Board, Cpu, DeviceHashrate, Gpu, Host, Memory, Miner, Psu, Shares)

log = logging.getLogger(__name__)

Figures = tuple[float | None, float | None, float | None]
"""(hashrate in H/s, hottest temperature in degrees C, power in W)."""

ASIC_COLUMNS = ("make", "model", "model_variant", "firmware_version", "software_version")
"""The identity fields of an ASIC kept as columns of ``asic_miners``."""


def number(value: Any) -> float | None:
    """A figure as stored: a finite number, else None (not given)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        result = float(value)
    except OverflowError:
        return None
    return result if math.isfinite(result) else None


def text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def objects(value: Any) -> list[dict[str, Any]]:
    """The entries of a stored list that are objects (anything else: skipped)."""
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def obj(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def sum_of(values: list[Any]) -> float | None:
    present = [n for n in map(number, values) if n is not None]
    return sum(present) if present else None


def max_of(values: list[Any]) -> float | None:
    present = [n for n in map(number, values) if n is not None]
    return max(present) if present else None


def asic_identity(asic: dict[str, Any]) -> str:
    """Same identity as the ``asic_miners`` table: the MAC when known, else ``ip:<address>``."""
    mac = (text(asic.get("mac")) or "").lower()
    return mac or f"ip:{asic.get('ip')}"


def asic_temp(asic: dict[str, Any]) -> float | None:
    return max_of([number(b.get("chip_temp_c")) or b.get("temp_c")
                   for b in objects(asic.get("boards"))])


def rollup_figures(stats: dict[str, Any]) -> Figures:
    """(hashrate, hottest temperature, power) of a whole report, for the rig's charts."""
    asics = objects(stats.get("asics"))
    if asics:
        online = [a for a in asics if a.get("online") is True]
        return (sum_of([a.get("hashrate_hs") for a in online]),
                max_of([asic_temp(a) for a in online]), sum_of([a.get("power_w") for a in online]))
    gpus = objects(stats.get("gpus"))
    temp = max_of([g.get("temp_c") for g in gpus])
    if temp is None:
        temp = number(obj(obj(stats.get("host")).get("cpu")).get("temp_c"))
    return (sum_of([m.get("hashrate_hs") for m in objects(stats.get("miners"))]), temp,
            sum_of([g.get("power_w") for g in gpus]))


def asic_figures(asic: dict[str, Any]) -> Figures:
    if asic.get("online") is not True:
        return None, None, None
    return number(asic.get("hashrate_hs")), asic_temp(asic), number(asic.get("power_w"))


def usable_report(stats: Any, where: str = "a stored report") -> dict[str, Any] | None:
    """A stored report in the protocol's shape: what does not fit is dropped (the field, or
    the entry that cannot do without it), and said once in the log; None if nothing usable.

    Reports stored by this version pass unchanged (they were validated on the way in); this
    is for rows written before the protocol had bounds.
    """
    if not isinstance(stats, dict):
        if stats is not None:
            log.warning("%s is not a JSON object; ignored", where)
        return None
    try:
        Report.model_validate(stats)
        return stats
    except ValidationError:
        pass
    data: dict[str, Any] = _copy(stats)
    dropped: list[str] = []
    for _ in range(200):
        try:
            Report.model_validate(data)
        except ValidationError as exc:
            loc = exc.errors(include_url=False, include_input=False)[0]["loc"]
            if not _drop(data, loc):
                break
            dropped.append(".".join(map(str, loc)))
            continue
        log.warning("%s does not fit the protocol; dropped %s", where, ", ".join(dropped[:10]))
        return data
    log.warning("%s cannot be read as a report; ignored", where)
    return None


def _copy(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy(v) for v in value]
    return value


def _drop(data: dict[str, Any], loc: tuple[int | str, ...]) -> bool:
    """Delete the deepest existing node on ``loc`` (the bad value, or the entry that misses a
    required field); False when that would be the report itself."""
    parents: list[tuple[Any, int | str]] = []
    node: Any = data
    for key in loc:
        in_dict = isinstance(node, dict) and key in node
        in_list = isinstance(node, list) and isinstance(key, int) and 0 <= key < len(node)
        if not (in_dict or in_list):
            break
        parents.append((node, key))
        node = node[key]
    if len(parents) == len(loc) and isinstance(node, dict):
        # An object's own check failed (its unknown fields): drop the unknown fields that
        # fail it, keep the object.
        bad = [k for k, v in node.items() if k not in _KNOWN and not _storable_extra(k, v)]
        for name in bad:
            del node[name]
        if bad:
            return True
    if not parents:
        return False
    container, key = parents[-1]
    if container is data and key in ("seq", "ts"):
        return False
    del container[key]
    return True


def _storable_extra(key: str, value: Any) -> bool:
    try:
        check_extras({key: value})
    except ValueError:
        return False
    return True


_KNOWN = frozenset(name for model in (Report, *WIRE_PARTS) for name in model.model_fields)
