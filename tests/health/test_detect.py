"""Transitions between two reports of a rig, as events (the recorder's pure part)."""

from __future__ import annotations

from datetime import UTC, datetime

from minerfarm.commander.events import detect
from minerfarm.commander.health.model import PlaybookOutcome

NOW = datetime.now(UTC)


def _kinds(events: list[detect.NewEvent]) -> list[str]:
    return [e.kind for e in events]


def test_a_miners_life_started_crashed_started_stopped() -> None:
    running = {"miners": [{"software": "xmrig", "playbook_id": 3, "running": True}]}
    dead = {"miners": [{"software": "xmrig", "playbook_id": 3, "running": False,
                        "api_url": "http://127.0.0.1:1", "api_error": "connection refused"}]}
    events, memory = detect.report_events(1, None, running, NOW)
    assert _kinds(events) == ["online", "miner_started"]
    assert events[0].message == "online: first report"
    events, memory = detect.report_events(1, memory, running, NOW)
    assert events == []  # nothing changed
    events, memory = detect.report_events(1, memory, dead, NOW)
    assert _kinds(events) == ["miner_crashed"]
    assert "not answering its API at http://127.0.0.1:1 (connection refused)" \
        in events[0].message
    events, memory = detect.report_events(1, memory, running, NOW)
    assert _kinds(events) == ["miner_started"]
    events, memory = detect.report_events(1, memory, {"miners": []}, NOW)
    assert _kinds(events) == ["miner_stopped"]
    memory.online = False  # the recorder's offline check
    events, _ = detect.report_events(1, memory, {"miners": []}, NOW)
    assert [e.message for e in events] == ["online: reporting again"]


def test_asics_going_offline_and_back() -> None:
    def asics(online: bool) -> dict[str, object]:
        return {"asics": [{"ip": "10.0.0.7", "mac": "AA:BB", "online": online},
                          {"ip": "10.0.0.8", "online": False}]}

    events, memory = detect.report_events(9, None, asics(True), NOW)
    assert _kinds(events) == ["online", "asic_online"]  # one seen offline first: no event
    assert events[1].asic == "aa:bb" and events[1].message == "ASIC 10.0.0.7 online"
    events, memory = detect.report_events(9, memory, asics(False), NOW)
    assert _kinds(events) == ["asic_offline"]
    events, _ = detect.report_events(9, memory, asics(True), NOW)
    assert _kinds(events) == ["asic_online"]


def test_a_failed_playbook_retried_the_same_way_is_one_event() -> None:
    memory = detect.RigMemory()
    failed = PlaybookOutcome(4, "failed", "7", "install_miner : Download x",
                             "Request failed: <urlopen error [Errno 111] Connection refused>")
    first = detect.run_event(1, memory, failed, NOW)
    assert first is not None and first.kind == "playbook_failed"
    assert "connection was refused" in first.message
    assert first.details["cause"] == "refused"
    assert detect.run_event(1, memory, failed, NOW) is None
    applied = detect.run_event(1, memory, PlaybookOutcome(4, "success", "7"), NOW)
    assert applied is not None and applied.message == "playbook 4 applied (revision 7)"


def test_details_are_bounded() -> None:
    event = detect.NewEvent(1, "playbook_failed", "x" * 5000, NOW,
                            details={"message": "y" * 10_000})
    row = event.row()
    assert len(row["message"]) == 1024 and len(row["details"]["message"]) == 200
