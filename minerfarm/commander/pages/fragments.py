"""Render the templates' macros from Python: the live websockets send exactly what the pages
show, from the same macros. Rendered rows are cached per rig version, so a report is rendered
once however many pages watch it (and a 10,000-rig index page joins cached rows).
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from markupsafe import Markup
from quart import Quart, current_app
from quart import url_for as _url_for

from minerfarm.commander.dashboard.aggregator import FarmAggregator
from minerfarm.commander.dashboard.digest import RigDigest
from minerfarm.commander.dashboard.index_query import IndexQuery, counts, matching
from minerfarm.commander.state import commander_state

INDEX = "dashboard/_index.html"
DETAIL = "dashboard/_detail.html"
CACHE = "minerfarm.pages.fragments"  # the app extension holding the cache


class FragmentCache(dict[Any, Any]):
    """Rendered rows and the templates' macro modules, for one app (the pages' own state:
    the dashboard model holds figures, not HTML)."""


def aggregator() -> FarmAggregator:
    found = commander_state().aggregator
    if found is None:
        raise RuntimeError("commander is not serving yet")
    return found


def install(app: Quart) -> None:
    app.extensions[CACHE] = FragmentCache()


def cache_of(app: Quart | None = None) -> FragmentCache:
    found: FragmentCache = (app or current_app).extensions[CACHE]
    return found


async def macro(template: str, name: str, *args: Any) -> Markup:
    """Call ``name`` from ``template`` (its module is built once per template).

    Modules live in the fragment cache, which belongs to one app: callers that render many
    rows pass it along, with no lookup of the app's extensions per row (werkzeug's context
    proxies cost more than the cached row itself).
    """
    return _call(_module(cache_of(), template), name, args)


def _module(cache: FragmentCache, template: str) -> Any:
    """The template's macros, compiled for plain (not async) calls.

    The fragments call only synchronous filters and globals; Jinja's async mode, which the
    pages need, makes each macro call a coroutine and every value pass ``auto_await``: an
    index row took 115 us of CPU that way, 83 us plainly. The overlay shares the app's
    loader, filters and globals, with its own template cache (a copied cache would hand
    back the async-compiled templates).
    """
    module = cache.get(("macros", template))
    if module is None:
        env = cache.get("sync-env")
        if env is None:
            env = cache["sync-env"] = current_app.jinja_env.overlay(enable_async=False,
                                                                    cache_size=64)
        module = cache[("macros", template)] = env.get_template(template).make_module(
            {"url_for": _url_for})
    return module


def _call(module: Any, name: str, args: tuple[Any, ...]) -> Markup:
    html: Markup = getattr(module, name)(*args)
    return html


async def _row_macro(cache: FragmentCache, template: str, name: str, *args: Any) -> Markup:
    return _call(_module(cache, template), name, args)


async def cached(cache: FragmentCache, kind: str, digest: RigDigest, online: bool,
                 template: str, name: str) -> Markup:
    key = (kind, digest.id)
    version = (digest.version, online)
    hit = cache.get(key)
    if hit is not None and hit[0] == version:
        html: Markup = hit[1]
        return html
    html = await _row_macro(cache, template, name, digest, online)
    cache[key] = (version, html)
    return html


async def index_row(farm: FarmAggregator, cache: FragmentCache, digest: RigDigest,
                    now: datetime) -> Markup:
    online = farm.is_online(digest, now)
    if digest.kind == "asic":
        return await cached(cache, "sentry", digest, online, INDEX, "sentry_rows")
    return await cached(cache, "row", digest, online, INDEX, "rig_row")


async def index_rows(farm: FarmAggregator, digests: list[RigDigest]) -> Markup:
    now, cache = datetime.now(UTC), cache_of()
    return Markup("").join([await index_row(farm, cache, d, now) for d in digests])


async def index_counts(farm: FarmAggregator, cache: FragmentCache, kind: str,
                       query: IndexQuery) -> Markup:
    """The counts line of an index page, computed at most once a second per set of filters
    (however many pages show it: a 10,000-rig count is a few milliseconds)."""
    key, clock = ("counts", kind, query.filter_key()), time.monotonic()
    hit = cache.get(key)
    if hit is not None and clock - hit[0] < 1.0:
        html: Markup = hit[1]
        return html
    now = datetime.now(UTC)
    found = matching(farm, kind, replace(query, sort="name"), now)
    total = sum(1 for d in farm.rigs.values() if d.kind == kind)
    html = await _row_macro(cache, INDEX, "index_counts", counts(farm, found, now), len(found),
                            total)
    cache[key] = (clock, html)
    return html


async def totals(farm: FarmAggregator, cache: FragmentCache) -> Markup:
    figures = farm.totals()
    hit = cache.get("totals")
    if hit is not None and hit[0] == farm.totals_version:
        html: Markup = hit[1]
        return html
    html = await _row_macro(cache, INDEX, "totals", figures)
    cache["totals"] = (farm.totals_version, html)
    return html


def forget(cache: FragmentCache, rig_id: int) -> None:
    """Drop a deleted rig's cached fragments."""
    for kind in ("row", "sentry"):
        cache.pop((kind, rig_id), None)


async def warm(app: Quart) -> None:
    """Render every index row once at start: the first view of a big farm is then fast too."""
    async with app.test_request_context("/"):
        farm, cache = aggregator(), cache_of(app)
        now = datetime.now(UTC)
        for kind in ("cpu_gpu", "asic"):
            for count, digest in enumerate(farm.of_kind(kind)):
                await index_row(farm, cache, digest, now)
                if count % 100 == 0:
                    await asyncio.sleep(0)  # let requests in while warming
