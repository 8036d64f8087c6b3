"""Hostile report batches, generated (hypothesis), through the real ingest path: HTTPS to a
real commander process (the fast path, the durable queue, the consumer, SQLite).

Whatever is sent: never a 5xx; every report answered 202 ends up stored or dead-lettered;
and a good report sent after the storm is stored and shown within seconds.
"""

from __future__ import annotations

import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.commander.poison_helpers import dead_letters, good_report_shows, post
from tests.support import CommanderProcess, utc_ts, wait_for

NUMBERS = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70), st.just(10**400),
    st.floats(allow_nan=True, allow_infinity=True), st.sampled_from([0, -1, 2**53, 2**53 + 1]))
TEXT = st.one_of(st.text(max_size=40), st.text(min_size=250, max_size=300),
                 st.sampled_from(["\x00", "a\x00b", "m" * 33, "\u0130" * 32]))
SCALARS = st.one_of(st.none(), st.booleans(), NUMBERS, TEXT)
VALUES = st.recursive(SCALARS, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(TEXT, inner, max_size=4)), max_leaves=12)
DEEP = st.integers(min_value=5, max_value=60).map(lambda n: json.loads("[" * n + "]" * n))
ODD_TS = st.one_of(
    st.just("9999-12-31T23:00:00-05:00"), st.just("0001-01-01T01:00:00+05:00"),
    st.just(utc_ts()[:5] + "02-30T00:00:00Z"), st.just("not a time"),
    st.just(utc_ts().rstrip("Z")),  # no zone
    st.floats(), st.integers(), st.builds(lambda s: utc_ts(s), st.floats(-1e6, 1e6)))


def _field(name: str, good: st.SearchStrategy[Any]) -> st.SearchStrategy[dict[str, Any]]:
    return st.one_of(st.just({}), good.map(lambda v: {name: v}),
                     st.one_of(VALUES, DEEP).map(lambda v: {name: v}))


def _merge(parts: list[dict[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for part in parts:
        out.update(part)
    return out


ASIC = st.tuples(
    _field("ip", st.just("10.0.0.1")), _field("mac", TEXT), _field("model", TEXT),
    _field("coin", st.just("BTC")), _field("algorithm", TEXT),
    _field("hashrate_hs", st.floats(0, 1e15)), _field("online", st.booleans()),
    _field("shares", st.fixed_dictionaries({"accepted": NUMBERS})),
    _field("boards", st.lists(st.fixed_dictionaries({"index": NUMBERS, "temp_c": NUMBERS}),
                              max_size=2)),
    _field("extra", VALUES)).map(list).map(_merge)
MINER = st.tuples(
    _field("software", st.just("xmrig")), _field("coin", TEXT),
    _field("hashrate_hs", NUMBERS), _field("playbook_id", NUMBERS),
    _field("shares", st.fixed_dictionaries({"accepted": NUMBERS})),
    _field("extra", VALUES)).map(list).map(_merge)


def _report(kind_asic: bool) -> st.SearchStrategy[dict[str, Any]]:
    body = st.tuples(
        _field("ts", ODD_TS),
        _field("seq", NUMBERS),
        _field("asics" if kind_asic else "miners",
               st.lists(ASIC if kind_asic else MINER, max_size=3)),
        _field("gpus", st.lists(st.fixed_dictionaries({"index": NUMBERS, "temp_c": NUMBERS}),
                                max_size=2)),
        _field("host", st.fixed_dictionaries({"hostname": TEXT})),
        _field("future", VALUES)).map(list).map(_merge)
    return body.map(lambda r: {**r, "ts": r.get("ts", utc_ts())})


BATCHES = st.tuples(st.booleans(), st.booleans()).flatmap(
    lambda flags: st.tuples(st.just(flags[0]), st.lists(_report(flags[0]), min_size=1,
                                                        max_size=4), st.just(flags[1])))


def test_hostile_batches_never_break_ingest(commander: CommanderProcess) -> None:
    rigs = {True: commander.create_rig("storm-asics", "asic"),
            False: commander.create_rig("storm-rig")}
    good, good_token = commander.create_rig("after-the-storm")
    accepted: dict[int, set[int]] = {rigs[True][0]: set(), rigs[False][0]: set()}
    seqs = iter(range(1, 10**9))

    @settings(max_examples=150, deadline=None, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(BATCHES)
    def storm(example: tuple[bool, list[dict[str, Any]], bool]) -> None:
        asic, reports, hostile_seq = example
        rig_id, token = rigs[asic]
        for item in reports:  # mostly fresh seqs; sometimes whatever was generated
            if not hostile_seq or "seq" not in item:
                item["seq"] = next(seqs)
        body = json.dumps({"reports": reports}, allow_nan=True).encode()
        answer = post(commander, token, body)
        assert answer.status_code < 500, (answer.status_code, answer.text, body[:2000])
        if answer.status_code == 202:
            accepted[rig_id].update(r["seq"] for r in reports)
            # (a whole float such as 0.0 is read as the integer it is)
            assert all(0 <= r["seq"] <= 2**62 and r["seq"] == int(r["seq"]) for r in reports)
        else:
            assert answer.json()["error"]["message"], answer.text

    storm()
    good_report_shows(commander, good, good_token, 1)
    with commander.admin() as api:
        def all_accounted() -> bool:
            letters = {(d["rig_id"], d["seq"]) for d in dead_letters(commander)["dead_letters"]}
            for rig_id, wanted in accepted.items():
                stored: set[int] = set()
                cursor = None
                while True:
                    page = api.get(f"/api/v1/rigs/{rig_id}/reports",
                                   params={"limit": 1000, **({"cursor": cursor} if cursor
                                                             else {})}).json()
                    stored |= {r["seq"] for r in page["reports"]}
                    cursor = page["next_cursor"]
                    if cursor is None:
                        break
                if wanted - stored - {s for r, s in letters if r == rig_id}:
                    return False
            return True

        wait_for(all_accounted, 15, "every 202'd report stored or dead-lettered")
    assert sum(map(len, accepted.values())) > 0, "the storm had no valid report at all"
