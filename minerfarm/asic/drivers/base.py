"""What a firmware backend is, and the reading helpers the backends share.

A backend is data plus a few functions: which RPC commands and web requests it needs (and how
its web API logs in, on which port), whether a ``version`` (or ``summary``) reply, or the
reply to its web ``probe``, is its firmware, and how to turn the replies into the wire model
:class:`minerfarm.protocol.reports.Asic`. Conventions every backend follows:

- units: H/s (via :func:`minerfarm.protocol.units.to_hs`), degrees C, W, fan RPM;
- a value the firmware does not give is ``None``, never 0; a reading of 0 where 0 is
  physically impossible while hashing (a 0 degC chip, Avalon's -273) is also ``None``;
- ``hashrate_hs`` is the shortest averaging window the firmware offers from 1 minute down
  (1m, 30s, 5s), else the average since start; ``chip_temp_c`` is the hottest chip reported;
- a command the firmware refused is named in ``errors``; the fields it feeds stay ``None``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, TypedDict

from minerfarm.cgminer import as_float, as_int, section
from minerfarm.protocol.reports import Asic, Shares
from minerfarm.protocol.units import to_hs

from .facts import ModelFacts
from .transport import Replies, RpcTransport
from .web import NO_AUTH, WebAuth, WebRequest

Parser = Callable[[str, Replies], Asic]
Recognizer = Callable[[Mapping[str, Any]], bool]
WebRecognizer = Callable[[Any], bool]
# Reads more into ``replies`` after the RPC commands (another port or protocol); never raises.
Enricher = Callable[[RpcTransport, Replies], Awaitable[None]]


def never(reply: Mapping[str, Any]) -> bool:
    """For web-only firmwares: no RPC reply is theirs."""
    return False


@dataclass(frozen=True, slots=True)
class Backend:
    """One firmware family: its name (the ``--type`` value), commands and parsing.

    ``optional`` commands are asked along with ``commands`` where the firmware has them
    (newer versions of the family): one it refuses is no error and is not asked again on that
    transport. ``enrich`` reads what another protocol of the device gives (Whatsminer API 3).

    ``web_port`` is the vendor's web port; for a family without RPC ``commands`` the ASIC's
    port (``--port``) overrides it, otherwise its ``web_port`` does (RPC keeps ``port``)."""

    name: str
    label: str
    commands: tuple[str, ...]
    recognizes: Recognizer
    parse: Parser
    optional: tuple[str, ...] = ()
    enrich: Enricher | None = None
    web: tuple[WebRequest, ...] = ()
    auth: WebAuth = NO_AUTH
    web_port: int = 80
    probe: WebRequest | None = None
    web_recognizes: WebRecognizer | None = None


def first(reply: Mapping[str, Any], name: str) -> dict[str, Any]:
    """The first entry of section ``name`` (``"SUMMARY"``) of one reply, or ``{}``."""
    entries = section(dict(reply), name)
    return entries[0] if entries else {}


def description(reply: Mapping[str, Any]) -> str:
    """The ``STATUS`` ``Description`` (``"bmminer 1.0.0"``, ``"btminer"``), or ``""``."""
    return str(first(reply, "STATUS").get("Description") or "")


_WINDOWS = ("1m", "30s", "5s", "av")


def hashrate(entry: Mapping[str, Any], units: Iterable[str] = ("MHS", "GHS")) -> float | None:
    """The hashrate of a cgminer ``SUMMARY``/``DEVS`` entry in H/s (see the module doc)."""
    for window in _WINDOWS:
        for unit in units:
            value = as_float(entry.get(f"{unit} {window}"))
            if value is not None:
                return to_hs(value, unit)
    return None


def positive(value: Any) -> float | None:
    """A reading where 0 or less means "no sensor" (temperatures, board rates)."""
    number = as_float(value)
    return number if number is not None and number > 0 else None


def temperature(value: Any) -> float | None:
    number = positive(value)
    return number if number is not None and number < 250 else None


def shares(entry: Mapping[str, Any]) -> Shares | None:
    accepted, rejected, stale = (as_int(entry.get(key)) for key in ("Accepted", "Rejected",
                                                                     "Stale"))
    if accepted is None and rejected is None and stale is None:
        return None
    return Shares(accepted=accepted, rejected=rejected, stale=stale)


class SummaryFields(TypedDict):
    hashrate_hs: float | None
    pool: str | None
    shares: Shares | None
    uptime_s: float | None


def summary_fields(replies: Replies, units: Iterable[str] = ("MHS", "GHS")) -> SummaryFields:
    """The :class:`Asic` fields every cgminer-style firmware reads the same way from its
    ``summary`` and ``pools``: hashrate (:func:`hashrate`, in ``units`` order), the active
    pool, shares and uptime (``Elapsed``). For ``Asic(..., **summary_fields(replies))``."""
    summary = first(replies.get("summary"), "SUMMARY")
    return {"hashrate_hs": hashrate(summary, units), "pool": active_pool(replies.get("pools")),
            "shares": shares(summary), "uptime_s": as_float(summary.get("Elapsed"))}


def pool_shares(pools: Iterable[Mapping[str, Any]]) -> Shares | None:
    """Shares summed over every pool (for firmwares without a ``summary``)."""
    totals: dict[str, int | None] = {"accepted": None, "rejected": None, "stale": None}
    for pool in pools:
        for key in totals:
            value = as_int(pool.get(key.capitalize()))
            if value is not None:
                totals[key] = (totals[key] or 0) + value
    return None if all(v is None for v in totals.values()) else Shares(**totals)


def active_pool(reply: Mapping[str, Any]) -> str | None:
    """URL of the pool being mined: ``Stratum Active``, else the best-priority alive pool."""
    pools = [pool for pool in section(dict(reply), "POOLS") if pool.get("URL")]
    for pool in pools:
        if pool.get("Stratum Active") is True:
            return str(pool["URL"])
    alive = [pool for pool in pools if str(pool.get("Status", "")).lower() == "alive"]
    alive.sort(key=lambda pool: as_float(pool.get("Priority")) or 0.0)
    return str(alive[0]["URL"]) if alive else None


def fan_slots(readings: Iterable[float | None], facts: ModelFacts | None,
              reported: int | None = None) -> list[float | None]:
    """Fan RPMs from slot readings where empty slots read 0 (Antminer, BOSminer).

    The spinning fans are kept; if the model (or the firmware's ``fan_num``) says more fans
    exist than spin, the missing ones are reported as 0 RPM (a stopped fan is an alarm, not
    an absence). Without either count, zero slots are dropped: they cannot be told apart.
    """
    values = [value for value in readings if value is not None]
    spinning: list[float | None] = [value for value in values if value > 0]
    expected = facts.fans if facts is not None else reported
    if expected is not None and len(spinning) < expected:
        spinning.extend([0.0] * (expected - len(spinning)))
    return spinning


def mac(text: Any) -> str | None:
    """``"123456789012"`` or ``"c6:06:..."`` -> ``"12:34:56:78:90:12"`` (upper case)."""
    if not isinstance(text, str):
        return None
    digits = "".join(ch for ch in text if ch.isalnum())
    if len(digits) != 12 or any(ch not in "0123456789abcdefABCDEF" for ch in digits):
        return None
    return ":".join(digits[i:i + 2] for i in range(0, 12, 2)).upper()


def errors_of(replies: Replies) -> list[str]:
    return [message for message in replies.errors.values()]


def dig(value: Any, *keys: str | int) -> Any:
    """``value[k1][k2]...`` through dicts and lists, or None where a step is missing."""
    for key in keys:
        if isinstance(key, int) and isinstance(value, list) and -len(value) <= key < len(value):
            value = value[key]
        elif isinstance(key, str) and isinstance(value, dict):
            value = value.get(key)
        else:
            return None
    return value


def text(value: Any) -> str | None:
    """A non-empty string, stripped; None otherwise."""
    return value.strip() or None if isinstance(value, str) else None

