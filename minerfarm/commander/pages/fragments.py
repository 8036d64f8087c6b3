"""Render the templates' macros from Python: the live websockets send exactly what the pages
show, from the same macros. Rendered rows are cached per rig version, so a report is rendered
once however many pages watch it (and a 10,000-rig index page joins cached rows).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from markupsafe import Markup
from quart import current_app
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
    """Call ``name`` from ``template`` (its module is built once per app and template)."""
    modules: dict[str, Any] = current_app.extensions.setdefault("minerfarm.macros", {})
    module = modules.get(template)
    if module is None:
        jinja = current_app.jinja_env.get_template(template)
        module = modules[template] = await jinja.make_module_async({"url_for": _url_for})
    html: Markup = await getattr(module, name)(*args)
    return html


async def cached(kind: str, digest: RigDigest, online: bool, template: str,
                 name: str) -> Markup:
    farm = aggregator()
    key = (kind, digest.id)
    version = (digest.version, online)
    hit = farm.cache.get(key)
    if hit is not None and hit[0] == version:
        return hit[1]  # type: ignore[no-any-return]
    html = await macro(template, name, digest, online)
    farm.cache[key] = (version, html)
    return html


async def index_row(digest: RigDigest, now: datetime | None = None) -> Markup:
    farm = aggregator()
    online = farm.is_online(digest, now)
    if digest.kind == "asic":
        return await cached("sentry", digest, online, INDEX, "sentry_rows")
    return await cached("row", digest, online, INDEX, "rig_row")


async def index_rows(kind: str) -> Markup:
    now = datetime.now(UTC)
    return Markup("").join([await index_row(d, now) for d in aggregator().of_kind(kind)])


async def totals() -> Markup:
    farm = aggregator()
    figures = farm.totals()
    hit = farm.cache.get("totals")
    if hit is not None and hit[0] is figures:
        return hit[1]  # type: ignore[no-any-return]
    html = await macro(INDEX, "totals", figures)
    farm.cache["totals"] = (figures, html)
    return html


def forget(rig_id: int) -> None:
    """Drop a deleted rig's cached fragments."""
    for kind in ("row", "sentry"):
        aggregator().cache.pop((kind, rig_id), None)
