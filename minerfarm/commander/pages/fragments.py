"""Render the templates' macros from Python: the live websockets send exactly what the pages
show, from the same macros. Rendered rows are cached per rig version, so a report is rendered
once however many pages watch it (and a 10,000-rig index page joins cached rows).
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

from markupsafe import Markup
from quart import Quart, current_app
from quart import url_for as _url_for

from minerfarm.commander.dashboard.aggregator import FarmAggregator
from minerfarm.commander.dashboard.digest import RigDigest
from minerfarm.commander.state import commander_state

INDEX = "dashboard/_index.html"
DETAIL = "dashboard/_detail.html"


def aggregator() -> FarmAggregator:
    found = commander_state().aggregator
    if found is None:
        raise RuntimeError("commander is not serving yet")
    return found


async def macro(template: str, name: str, *args: Any) -> Markup:
    """Call ``name`` from ``template`` (its module is built once per template).

    Modules live in the aggregator's cache, which belongs to one app: no lookup of the app's
    extensions per row (werkzeug's context proxies cost more than the cached row itself).
    """
    cache = aggregator().cache
    module = cache.get(("macros", template))
    if module is None:
        jinja = current_app.jinja_env.get_template(template)
        module = cache[("macros", template)] = await jinja.make_module_async(
            {"url_for": _url_for})
    html: Markup = await getattr(module, name)(*args)
    return html


async def _row_macro(farm: FarmAggregator, template: str, name: str, *args: Any) -> Markup:
    module = farm.cache.get(("macros", template))
    if module is None:
        return await macro(template, name, *args)
    html: Markup = await getattr(module, name)(*args)
    return html


async def cached(farm: FarmAggregator, kind: str, digest: RigDigest, online: bool,
                 template: str, name: str) -> Markup:
    key = (kind, digest.id)
    version = (digest.version, online)
    hit = farm.cache.get(key)
    if hit is not None and hit[0] == version:
        return hit[1]  # type: ignore[no-any-return]
    html = await _row_macro(farm, template, name, digest, online)
    farm.cache[key] = (version, html)
    return html


async def index_row(farm: FarmAggregator, digest: RigDigest, now: datetime) -> Markup:
    online = farm.is_online(digest, now)
    if digest.kind == "asic":
        return await cached(farm, "sentry", digest, online, INDEX, "sentry_rows")
    return await cached(farm, "row", digest, online, INDEX, "rig_row")


async def index_rows(farm: FarmAggregator, kind: str) -> Markup:
    now = datetime.now(UTC)
    return Markup("").join([await index_row(farm, d, now) for d in farm.of_kind(kind)])


async def totals(farm: FarmAggregator) -> Markup:
    figures = farm.totals()
    hit = farm.cache.get("totals")
    if hit is not None and hit[0] == farm.totals_version:
        return hit[1]  # type: ignore[no-any-return]
    html = await _row_macro(farm, INDEX, "totals", figures)
    farm.cache["totals"] = (farm.totals_version, html)
    return html


def forget(farm: FarmAggregator, rig_id: int) -> None:
    """Drop a deleted rig's cached fragments."""
    for kind in ("row", "sentry"):
        farm.cache.pop((kind, rig_id), None)


async def warm(app: Quart) -> None:
    """Render every index row once at start: the first view of a big farm is then fast too."""
    async with app.test_request_context("/"):
        farm = aggregator()
        now = datetime.now(UTC)
        for kind in ("cpu_gpu", "asic"):
            for count, digest in enumerate(farm.of_kind(kind)):
                await index_row(farm, digest, now)
                if count % 100 == 0:
                    await asyncio.sleep(0)  # let requests in while warming
