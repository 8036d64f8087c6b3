"""From the farm model's digests to the alert rules' :class:`~.rules.Snapshot` s.

A cpu/gpu rig is one subject; an ASIC sentry is one subject (itself: offline) plus one per
ASIC it reports. Built from the report's JSON as it was stored (read with the same helpers as
the pages, so the alerts and the pages agree on what a figure is).
"""

from __future__ import annotations

from typing import Any

from minerfarm.commander.alerts.rules import Snapshot
from minerfarm.commander.dashboard.digest import RigDigest, clock_skew_s
from minerfarm.commander.reports.figures import asic_identity, number, obj, objects, sum_of, text


def _numbers(values: list[Any]) -> list[float]:
    return [n for n in map(number, values) if n is not None]


def rig_snapshot(digest: RigDigest, online: bool) -> Snapshot:
    stats = digest.stats
    gpus, miners = objects(stats.get("gpus")), objects(stats.get("miners"))
    shares = [obj(m.get("shares")) for m in miners]
    skew = clock_skew_s(stats, digest.last_seen) if digest.last_seen else None
    return Snapshot(
        rig_id=digest.id, rig_name=digest.name, rig_kind=digest.kind, online=online,
        hashrate_hs=digest.hashrate_hs,
        gpu_temps=_numbers([g.get("temp_c") for g in gpus]),
        cpu_temp=number(obj(obj(stats.get("host")).get("cpu")).get("temp_c")),
        fans_pct=_numbers([g.get("fan_pct") for g in gpus]),
        accepted=sum_of([s.get("accepted") for s in shares]),
        rejected=sum_of([s.get("rejected") for s in shares]),
        miners=len(miners), miners_stopped=sum(1 for m in miners if m.get("running") is False),
        clock_skew_s=skew,
    )


def asic_snapshot(digest: RigDigest, asic: dict[str, Any], sentry_online: bool,
                  boards_before: int | None) -> Snapshot:
    boards = objects(asic.get("boards"))
    shares = obj(asic.get("shares"))
    online = sentry_online and asic.get("online") is True
    dead = sum(1 for b in boards if number(b.get("hashrate_hs")) == 0.0)
    if boards_before is not None and len(boards) < boards_before:
        dead += boards_before - len(boards)
    return Snapshot(
        rig_id=digest.id, rig_name=digest.name, rig_kind="asic", subject=asic_identity(asic),
        asic_ip=text(asic.get("ip")), asic_model=text(asic.get("model")), online=online,
        hashrate_hs=number(asic.get("hashrate_hs")),
        board_temps=_numbers([b.get("temp_c") for b in boards]),
        chip_temps=_numbers([b.get("chip_temp_c") for b in boards]),
        fans_rpm=_numbers(fans if isinstance(fans := asic.get("fans_rpm"), list) else []),
        accepted=number(shares.get("accepted")), rejected=number(shares.get("rejected")),
        boards=len(boards) if boards else None, boards_dead=dead,
    )


def snapshots(digest: RigDigest, online: bool,
              boards_seen: dict[tuple[int, str], int]) -> list[Snapshot]:
    """Every subject of one rig; ``boards_seen`` (most boards each ASIC has had) is updated."""
    if digest.kind != "asic":
        return [rig_snapshot(digest, online)]
    out = [Snapshot(rig_id=digest.id, rig_name=digest.name, rig_kind="asic", online=online)]
    for asic in digest.asics():
        key = (digest.id, asic_identity(asic))
        before = boards_seen.get(key)
        snap = asic_snapshot(digest, asic, online, before)
        if snap.online and snap.boards is not None:
            boards_seen[key] = max(before or 0, snap.boards)
        out.append(snap)
    return out
