"""Alert rule kinds and the lifecycle's timing: for_s and hysteresis keep one noisy sample from
firing or resolving an alert (the engine's step, on snapshots, no database)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from minerfarm.commander.alerts.engine import AlertEngine, _plain
from minerfarm.commander.alerts.rules import KINDS, Rule, Snapshot, breach
from minerfarm.commander.db.models import AlertRule


def _engine() -> AlertEngine:
    return AlertEngine.__new__(AlertEngine)


def _run(rule: Rule, temps: list[float], step_s: float = 1.0) -> list[str]:
    engine = _engine()
    engine.tracks = {}
    start = datetime.now(UTC)
    out = []
    for n, temp in enumerate(temps):
        snap = Snapshot(rig_id=1, rig_name="rig", rig_kind="cpu_gpu", online=True,
                        gpu_temps=[temp])
        change = engine._step(rule, rule.kind, snap, start + timedelta(seconds=n * step_s))
        out.append(change.state if change else "")
    return out


def _rule(**fields: Any) -> Rule:
    values: dict[str, Any] = {"id": 1, "name": "hot", "kind": "temperature_above",
                              "threshold": 80.0, "hysteresis": None, "sensor": None,
                              "for_s": 2, **fields}
    return _plain(AlertRule(**values))


def test_one_hot_sample_does_not_fire_and_one_cool_one_does_not_resolve() -> None:
    assert _run(_rule(), [90, 60, 90, 60]) == ["", "", "", ""]
    states = _run(_rule(), [90, 90, 90, 60, 90, 60, 60, 60])
    assert states == ["", "", "firing", "", "", "", "", "resolved"]


def test_hysteresis_band_holds_an_alert_near_the_threshold() -> None:
    # fires above 80; 79 is inside the 3 degree band, so it stays firing until below 77
    states = _run(_rule(for_s=0), [81, 79, 78, 76])
    assert states == ["firing", "", "", "resolved"]


def test_offline_figures_give_no_verdict_and_sensors_choose() -> None:
    offline = Snapshot(rig_id=1, rig_name="r", rig_kind="cpu_gpu", online=False, gpu_temps=[99])
    assert breach(KINDS["temperature_above"], offline, 80, None, None, False) == (None, None)
    snap = Snapshot(rig_id=1, rig_name="r", rig_kind="cpu_gpu", online=True, gpu_temps=[70],
                    cpu_temp=90)
    assert breach(KINDS["temperature_above"], snap, 80, None, "gpu", False) == (False, 70)
    assert breach(KINDS["temperature_above"], snap, 80, None, None, False) == (True, 90)
    no_fans = Snapshot(rig_id=1, rig_name="r", rig_kind="cpu_gpu", online=True)
    assert breach(KINDS["fan_below"], no_fans, 30, None, None, False) == (None, None)
