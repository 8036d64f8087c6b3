"""The rig index as a user reads it: sort, filter, search and paging as GET links, tags,
per-rig hashrate and efficiency, "waiting for sentry", bulk delete and "apply a playbook"."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from minerfarm.commander import topics
from minerfarm.commander.pubsub import Message
from minerfarm.commander.tags.store import rigs_matching
from tests.commander.index_helpers import ADMIN, Browser, miner, served

pytestmark = pytest.mark.filterwarnings("ignore:Strict samesite cookies:UserWarning")


async def farm_of_five(b: Browser) -> dict[str, int]:
    ids = {name: await b.create(name) for name in ("alpha", "bravo", "charlie", "delta", "echo")}
    b.report(ids["alpha"], [miner("XMR", "rx/0", 12_000.0)], power_w=100)  # 120 H/W
    b.report(ids["bravo"], [miner("XMR", "randomx", 30_000.0)], power_w=150)  # 200 H/W
    b.report(ids["charlie"], [miner("RVN", "kawpow", 25e6), miner("RVN", "kawpow", 5e6)],
             power_w=300)  # 30 MH/s KawPow, 100 kH/W
    b.report(ids["delta"], [miner("XMR", "rx/0", 9_000.0)], ago_s=600)  # offline, no power
    return ids  # echo never reported


async def test_sort_filter_search_and_the_rows_they_show(tmp_path: Path) -> None:
    async with served(tmp_path) as b:
        await farm_of_five(b)
        assert await b.names() == ["alpha", "bravo", "charlie", "delta", "echo"]
        assert await b.names(order="desc") == ["echo", "delta", "charlie", "bravo", "alpha"]
        assert await b.names(q="HAR") == ["charlie"]
        assert await b.names(state="waiting") == ["echo"]
        assert await b.names(state="offline") == ["delta"]
        assert await b.names(state="online") == ["alpha", "bravo", "charlie"]
        assert await b.names(coin="RVN") == ["charlie"]
        assert await b.names(algorithm="RandomX") == ["alpha", "bravo", "delta"]
        # Like with like: within RandomX by rate; without a filter, grouped by algorithm.
        assert await b.names(algorithm="RandomX", sort="hashrate", order="desc") == [
            "bravo", "alpha", "delta", "charlie", "echo"][:3]
        assert await b.names(sort="hashrate") == ["charlie", "delta", "alpha", "bravo", "echo"]
        # Rigs without the figure go last in both orders.
        assert (await b.names(sort="efficiency", algorithm="RandomX"))[-1] == "delta"
        assert await b.names(sort="last_seen", state="online", order="desc") != []
        assert (await b.names(sort="state"))[-1] == "echo"
        page = await b.get("/", q="charlie")
        assert "30.00 MH/s" in page and "KawPoW" in page  # two miners, one algorithm, summed
        assert "100.00 kH/W" in page
        assert "<strong>1</strong> rig match (of 5)" in page
        everything = await b.get("/")
        assert "120.00 H/W" in everything and "200.00 H/W" in everything
        assert "waiting for sentry</span>" in everything
        assert re.search(r'<time class="ago" datetime="[\d-]+T[\d:]+Z" title="[\d-]+ [\d:]+ UTC">',
                         everything)
        nothing = await b.get("/", q="zulu")
        assert "No rig matches these filters." in nothing


async def test_paging_is_bounded_and_links_keep_the_filters(tmp_path: Path) -> None:
    async with served(tmp_path) as b:
        for n in range(25):
            await b.create(f"rig-{n:02d}")
        first = await b.get("/", per="10", sort="name", order="desc")
        assert first.count('<tr id="rig-') == 10 and "Page 1 of 3" in first
        after = re.search(r'<a href="([^"]+)" rel="next">', first)
        assert after and "order=desc" in after.group(1) and "per=10" in after.group(1)
        assert await b.names(per="10", page="3") == [f"rig-{n:02d}" for n in range(20, 25)]
        assert await b.names(per="10", page="99") == [f"rig-{n:02d}" for n in range(20, 25)]
        assert len(await b.names(per="3")) == 10  # bounded below (10) ...
        assert len(await b.names(per="99999999")) == 25  # ... and above (500)
        assert len(await b.names(per="ten", page="-1", sort="nonsense")) == 25


async def test_tags_via_the_api_the_rig_page_and_the_filter(tmp_path: Path) -> None:
    async with served(tmp_path) as b:
        ids = await farm_of_five(b)
        sentry = await b.create("lan-sentry", "asic")
        put = await b.client.put(f"/api/v1/rigs/{ids['alpha']}/tags", auth=ADMIN, scheme="https",
                                 json={"tags": ["Site:Berlin", "rack:a3", "site:berlin"]})
        assert put.status_code == 200
        assert await put.get_json() == {"id": ids["alpha"], "tags": ["rack:a3", "site:berlin"]}
        for bad in (["a b"], ["x" * 65], [f"t{n}" for n in range(17)], ["site:a:b"], [""]):
            refused = await b.client.put(f"/api/v1/rigs/{ids['alpha']}/tags", auth=ADMIN,
                                         scheme="https", json={"tags": bad})
            assert refused.status_code == 422, bad
            assert "tag" in (await refused.get_json())["error"]["message"]
        missing = await b.client.put("/api/v1/rigs/99999/tags", json={"tags": []}, auth=ADMIN,
                                     scheme="https")
        assert missing.status_code == 404
        got = await b.client.get(f"/api/v1/rigs/{ids['alpha']}/tags", auth=ADMIN, scheme="https")
        assert (await got.get_json())["tags"] == ["rack:a3", "site:berlin"]

        # The rig page (ASIC sentries have the same form): saved, or refused with the typed text.
        saved = await b.post(f"/rigs/{sentry}/tags", {"tags": "site:berlin, owner:ana"})
        assert saved.status_code == 302
        assert "owner:ana site:berlin" in await b.get(f"/rigs/{sentry}")
        refused = await b.post(f"/rigs/{ids['bravo']}/tags", {"tags": "ok bad!tag"})
        assert refused.status_code == 422
        text = await refused.get_data(as_text=True)
        assert "Tags not saved: &#39;bad!tag&#39; is not a valid tag" in text
        assert 'value="ok bad!tag"' in text
        await b.post(f"/rigs/{ids['bravo']}/tags", {"tags": "site:berlin"})

        assert await b.names(tag="site:berlin") == ["alpha", "bravo"]  # CPU/GPU index only
        assert await b.names(tag="site:berlin rack:a3") == ["alpha"]
        assert 'class="tag" href="/?tag=rack:a3">rack:a3</a>' in await b.get("/")
        assert "Tag filter ignored" in await b.get("/", tag="no!")
        async with b.app.app_context():
            assert await rigs_matching("site:berlin") == sorted([ids["alpha"], ids["bravo"],
                                                                 sentry])
            assert await rigs_matching(["site:berlin", "owner:ana"]) == [sentry]
            assert len(await rigs_matching("")) == 6


async def test_bulk_delete_asks_with_a_count_then_deletes(tmp_path: Path) -> None:
    async with served(tmp_path) as b:
        ids = await farm_of_five(b)
        no_csrf = await b.post("/rigs/bulk/delete", {"rig_ids": [str(ids["alpha"])]}, csrf=False)
        assert no_csrf.status_code == 403
        ask = await b.post("/rigs/bulk/delete", {"rig_ids": [str(ids["alpha"]),
                                                             str(ids["echo"])]})
        page = await ask.get_data(as_text=True)
        assert ask.status_code == 200 and "Delete 2 rigs?" in page
        assert "<li>alpha</li>" in page and "<li>echo</li>" in page
        assert await b.names() == ["alpha", "bravo", "charlie", "delta", "echo"]  # not yet
        done = await b.post("/rigs/bulk/delete", {"confirmed": "1", "rig_ids": [
            str(ids["alpha"]), str(ids["echo"])]})
        assert done.status_code == 302 and done.headers["location"] == "/?deleted=2"
        assert "Deleted 2 rigs." in await b.get("/", deleted="2")
        assert await b.names() == ["bravo", "charlie", "delta"]
        # "All matching": every rig the filters match, on every page.
        ask = await b.post("/rigs/bulk/delete", {"all": "1", "algorithm": "RandomX"})
        assert "Delete 2 rigs?" in await ask.get_data(as_text=True)


async def test_apply_a_playbook_to_the_chosen_rigs(tmp_path: Path) -> None:
    async with served(tmp_path) as b:
        ids = await farm_of_five(b)
        form = await b.post("/playbooks/choose", {"all": "1", "state": "online"})
        page = await form.get_data(as_text=True)
        ticked = {int(i) for i in re.findall(r'name="rig_ids" value="(\d+)" checked', page)}
        assert ticked == {ids["alpha"], ids["bravo"], ids["charlie"]}
        none = await b.post("/playbooks/choose", {})
        assert "No rig was chosen" in await none.get_data(as_text=True)


async def test_a_10000_rig_index_page_is_under_300_kb(tmp_path: Path) -> None:
    async with served(tmp_path) as b:
        farm = b.farm
        for n in range(10_000):  # the farm model directly: the database path takes minutes
            farm.observe(Message(topics.rig_index("cpu_gpu"), "created",
                                 {"id": 10 + n, "name": f"rig-{n:05d}", "kind": "cpu_gpu"}))
        for n in range(0, 10_000, 2):
            b.report(10 + n, [miner("XMR", "rx/0", 10_000.0 + n)], power_w=120)
        t0 = time.perf_counter()
        page = await b.get("/", sort="hashrate", order="desc")
        elapsed = time.perf_counter() - t0
        assert len(page.encode()) < 300_000, len(page.encode())
        assert page.count('<tr id="rig-') == 100 and "Page 1 of 100" in page
        assert (await b.names(sort="hashrate", order="desc"))[0] == "rig-09998"
        assert elapsed < 5.0
