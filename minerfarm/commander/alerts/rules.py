"""Alert rule kinds, in one explicit registry: each is data plus a pure ``measure(snapshot)``.

A :class:`Snapshot` is what the engine knows of one subject (a rig, an ASIC sentry, or one
ASIC of it) at one tick. A kind's ``measure`` reads it and returns the figure the rule compares
(a temperature, a ratio, seconds offline) or None when the snapshot does not say (a rig that
sent no fan speed is not "fan below"). :func:`breach` adds the threshold and the hysteresis:
an alert that fires above 85 °C with a hysteresis of 3 resolves below 82 °C, so a reading
hovering at the threshold does not flap.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

Direction = Literal["above", "below", "true"]
ACTIONS = ("restart_miner", "reapply_playbooks", "reboot")
BACK_ONLINE_HOLD_S = 60.0  # "back online" counts for this long after a rig returns


@dataclass(slots=True)
class Snapshot:
    """One subject's figures; None means the source did not give it (never 0)."""

    rig_id: int
    rig_name: str
    rig_kind: str  # "cpu_gpu" | "asic" (an ASIC sentry)
    subject: str = ""  # "" = the rig or sentry itself, else the ASIC's identity
    asic_ip: str | None = None
    asic_model: str | None = None
    online: bool = False
    # Set by the engine at each tick (they move with the clock, not with reports):
    offline_s: float | None = None
    back_online_s: float | None = None
    no_share_s: float | None = None
    baseline_hs: float | None = None
    playbook_failed: bool = False
    # From the latest report:
    hashrate_hs: float | None = None
    gpu_temps: list[float] = field(default_factory=list)
    cpu_temp: float | None = None
    board_temps: list[float] = field(default_factory=list)
    chip_temps: list[float] = field(default_factory=list)
    fans_pct: list[float] = field(default_factory=list)
    fans_rpm: list[float] = field(default_factory=list)
    accepted: float | None = None
    rejected: float | None = None
    miners: int = 0
    miners_stopped: int = 0
    boards: int | None = None
    boards_dead: int = 0
    clock_skew_s: float | None = None


Measure = Callable[[Snapshot, str | None], float | None]


@dataclass(frozen=True)
class Kind:
    name: str
    label: str  # "temperature", shown in notifications
    unit: str  # "°C", "" ...
    direction: Direction
    measure: Measure
    needs_threshold: bool = True
    hysteresis: float = 0.0  # default band; a rule may set its own
    sensors: tuple[str, ...] = ()  # allowed ``sensor`` values; the first is the default
    online_only: bool = True  # figures of an offline subject are stale: no verdict
    instant: bool = False  # one notification, stored resolved at once ("back online")
    timed: bool = False  # the verdict moves with the clock, not only with reports
    help: str = ""


def _max(values: list[float]) -> float | None:
    return max(values) if values else None


def _min(values: list[float]) -> float | None:
    return min(values) if values else None


def _offline(s: Snapshot, _sensor: str | None) -> float | None:
    return s.offline_s if not s.online else None


def _back_online(s: Snapshot, _sensor: str | None) -> float | None:
    if s.back_online_s is not None and s.back_online_s <= BACK_ONLINE_HOLD_S:
        return s.back_online_s
    return None


def _hashrate_fraction(s: Snapshot, _sensor: str | None) -> float | None:
    if s.hashrate_hs is None or not s.baseline_hs:
        return None
    return s.hashrate_hs / s.baseline_hs


def _hashrate(s: Snapshot, _sensor: str | None) -> float | None:
    return s.hashrate_hs


def _temperature(s: Snapshot, sensor: str | None) -> float | None:
    by_sensor = {"gpu": s.gpu_temps, "cpu": [] if s.cpu_temp is None else [s.cpu_temp],
                 "board": s.board_temps, "chip": s.chip_temps}
    if sensor in by_sensor:
        return _max(by_sensor[sensor])
    return _max([t for values in by_sensor.values() for t in values])


def _fan(s: Snapshot, sensor: str | None) -> float | None:
    return _min(s.fans_rpm if sensor == "rpm" else s.fans_pct)


def _rejected_ratio(s: Snapshot, _sensor: str | None) -> float | None:
    if s.accepted is None or s.rejected is None or s.accepted + s.rejected <= 0:
        return None
    return s.rejected / (s.accepted + s.rejected)


def _no_share_minutes(s: Snapshot, _sensor: str | None) -> float | None:
    return None if s.no_share_s is None else s.no_share_s / 60.0


def _miner_stopped(s: Snapshot, _sensor: str | None) -> float | None:
    return float(s.miners_stopped) if s.miners_stopped else None


def _playbook_failed(s: Snapshot, _sensor: str | None) -> float | None:
    return 1.0 if s.playbook_failed else None


def _board_dead(s: Snapshot, _sensor: str | None) -> float | None:
    return float(s.boards_dead) if s.boards_dead else None


def _clock_skew(s: Snapshot, _sensor: str | None) -> float | None:
    return None if s.clock_skew_s is None else abs(s.clock_skew_s)


KINDS: dict[str, Kind] = {k.name: k for k in (
    Kind("offline", "offline", "s", "true", _offline, needs_threshold=False, online_only=False,
         help="no report for offline_after_s (a rig or sentry), or the ASIC sentry reports "
              "the ASIC offline; the value is seconds since the last report"),
    Kind("back_online", "back online", "s", "true", _back_online, needs_threshold=False,
         online_only=False, instant=True, timed=True,
         help="one notification when an offline rig or ASIC reports again"),
    Kind("hashrate_below", "hashrate (of its last hour's median)", "", "below",
         _hashrate_fraction, hysteresis=0.05,
         help="threshold: a fraction of the rig's own baseline, the median of its last hour "
              "of per-minute hashrate (e.g. 0.7)"),
    Kind("hashrate_below_hs", "hashrate", "H/s", "below", _hashrate,
         help="threshold: a fixed hashrate in H/s"),
    Kind("temperature_above", "temperature", "°C", "above", _temperature, hysteresis=3.0,
         sensors=("any", "gpu", "cpu", "board", "chip"),
         help="threshold in °C: the hottest GPU, CPU, ASIC board or chip (sensor chooses)"),
    Kind("fan_below", "fan", "%", "below", _fan, hysteresis=5.0, sensors=("pct", "rpm"),
         help="threshold in % (GPU fans, sensor pct) or RPM (ASIC fans, sensor rpm)"),
    Kind("rejected_ratio_above", "rejected shares", "", "above", _rejected_ratio,
         hysteresis=0.01, help="threshold: rejected / (accepted + rejected), e.g. 0.05"),
    Kind("no_accepted_share", "no accepted share for", "min", "above", _no_share_minutes,
         timed=True,
         help="threshold in minutes without the accepted count growing"),
    Kind("miner_not_running", "miners not running", "", "true", _miner_stopped,
         needs_threshold=False, help="a miner the rig reports says running: false"),
    Kind("playbook_failed", "playbook failed", "", "true", _playbook_failed,
         needs_threshold=False, online_only=False,
         help="the rig's last playbook run failed"),
    Kind("hashboard_dead", "hashboards without hashrate", "", "true", _board_dead,
         needs_threshold=False,
         help="an online ASIC reports a hashboard at 0 H/s, or fewer boards than it had"),
    Kind("clock_skew_above", "clock skew", "s", "above", _clock_skew, hysteresis=5.0,
         help="threshold in seconds between the rig's clock and the commander's"),
)}


@dataclass(frozen=True, slots=True)
class Rule:
    """A stored rule as the engine reads it at every tick (plain attributes: cheap)."""

    id: int
    name: str
    kind: Kind
    threshold: float | None
    hysteresis: float | None
    sensor: str | None
    for_s: float
    rig_ids: frozenset[int] | None
    channel_ids: tuple[int, ...]
    action: str | None
    tags: tuple[str, ...] = ()  # the rule's tag selector: rigs carrying all of them


Verdict = tuple[bool | None, float | None]


def breach(kind: Kind, snapshot: Snapshot, threshold: float | None,
           hysteresis: float | None, sensor: str | None, firing: bool) -> Verdict:
    """(True: the condition holds, False: it is clear, None: no verdict; the value).

    While ``firing`` the condition holds until the value is past the threshold by the
    hysteresis band, so one sample at the threshold neither fires nor resolves.
    """
    if kind.online_only and not snapshot.online:
        return None, None
    value = kind.measure(snapshot, sensor or (kind.sensors[0] if kind.sensors else None))
    if kind.direction == "true":
        return value is not None, value
    if value is None or threshold is None:
        return None, None
    band = (kind.hysteresis if hysteresis is None else hysteresis) if firing else 0.0
    if kind.direction == "above":
        return value > threshold - band, value
    return value < threshold + band, value


def value_text(kind: Kind, value: float | None, threshold: float | None) -> str:
    """'91 °C (threshold 85 °C)', '0.42 (threshold 0.7)', 'offline for 45 s'."""
    if value is None:
        return kind.label
    shown = f"{value:.3g}" if abs(value) < 10 else f"{value:,.0f}"
    unit = f" {kind.unit}" if kind.unit else ""
    if kind.name == "hashrate_below":
        shown, unit = f"{value:.0%}", ""
    text = f"{kind.label}: {shown}{unit}"
    if threshold is not None and kind.needs_threshold:
        limit = f"{threshold:.0%}" if kind.name == "hashrate_below" else f"{threshold:g}{unit}"
        text += f" (threshold {limit})"
    return text
