"""The index page as a query over the farm model: filters, sort, paging (pure, no I/O).

Every parameter is a GET query parameter (links are shareable, the page works without
script), each bounded: ``q`` (name contains), ``state``, ``coin``, ``algorithm``, ``tag`` (a
tag selector: every tag given), ``sort`` and ``order``, ``page`` and ``per`` (rows per page).
A value out of bounds falls back to the default, so a mangled link still shows a page.

:data:`STATES` is the one list of row states the ``state`` filter offers, in the order the
state sort uses; a feature with states of its own (health) registers them with
:func:`register_state`.
"""

from __future__ import annotations

import time
import weakref
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from minerfarm.commander.dashboard.aggregator import FarmAggregator
from minerfarm.commander.dashboard.digest import RigDigest, algorithm_bucket
from minerfarm.commander.dashboard.efficiency import efficiency
from minerfarm.commander.tags.rules import TagError, matches, parse_selector

PER_PAGE, MIN_PER, MAX_PER = 100, 10, 500
MAX_TEXT = 128


@dataclass(frozen=True)
class RigState:
    name: str  # the query value
    label: str  # what the page says
    test: Callable[[FarmAggregator, RigDigest, datetime], bool]


def _waiting(farm: FarmAggregator, d: RigDigest, now: datetime) -> bool:
    return d.last_seen is None


def _online(farm: FarmAggregator, d: RigDigest, now: datetime) -> bool:
    return farm.is_online(d, now)


def _offline(farm: FarmAggregator, d: RigDigest, now: datetime) -> bool:
    return d.last_seen is not None and not farm.is_online(d, now)


STATES: dict[str, RigState] = {}


def register_state(state: RigState) -> None:
    STATES[state.name] = state


for _state in (RigState("online", "online", _online), RigState("offline", "offline", _offline),
               RigState("waiting", "waiting for sentry", _waiting)):
    register_state(_state)
BASE_STATES = ("online", "offline", "waiting")  # every rig is in exactly one of these


def state_of(farm: FarmAggregator, d: RigDigest, now: datetime) -> str:
    """One of :data:`BASE_STATES` (decided directly: counts run over every rig)."""
    if d.last_seen is None:
        return "waiting"
    return "online" if farm.is_online(d, now) else "offline"


# -- sorting: a key per column; rigs without the figure go last in either order ----------------
SortKey = Callable[[FarmAggregator, RigDigest, datetime, "IndexQuery"], Any]


def _by_hashrate(farm: FarmAggregator, d: RigDigest, now: datetime, q: IndexQuery) -> Any:
    """Like with like: within the filtered algorithm, else grouped by the rig's main one."""
    rates = d.hashrate_by_algorithm()
    if q.algorithm:
        rate = rates.get(q.algorithm)
        return None if rate is None else rate
    if not rates:
        return None
    algorithm, rate = max(rates.items(), key=lambda kv: kv[1])
    return (algorithm.lower(), rate)


def _by_efficiency(farm: FarmAggregator, d: RigDigest, now: datetime, q: IndexQuery) -> Any:
    found = efficiency(d)
    return None if found is None else (found.algorithm.lower(), found.joules_per_hash)


def _by_coin(farm: FarmAggregator, d: RigDigest, now: datetime, q: IndexQuery) -> Any:
    coins = sorted({m.coin for m in d.miners if m.coin})
    return coins[0].lower() if coins else None


SORTS: dict[str, tuple[str, SortKey]] = {
    "name": ("Rig", lambda farm, d, now, q: d.name.lower()),
    "state": ("Status", lambda farm, d, now, q: BASE_STATES.index(state_of(farm, d, now))),
    "hashrate": ("Hashrate", _by_hashrate),
    "efficiency": ("Efficiency", _by_efficiency),
    "last_seen": ("Last seen", lambda farm, d, now, q: d.last_seen),
    "coin": ("Coin", _by_coin),
}


def _text(args: Mapping[str, str], name: str) -> str:
    return str(args.get(name, "")).strip()[:MAX_TEXT]


def _int(args: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    text = str(args.get(name, ""))
    if not text.isdigit() or len(text) > 9:
        return default
    return min(max(int(text), low), high)


@dataclass(frozen=True)
class IndexQuery:
    q: str = ""
    state: str = ""
    coin: str = ""
    algorithm: str = ""
    tag: str = ""
    sort: str = "name"
    order: str = "asc"
    page: int = 1
    per: int = PER_PAGE
    selector: tuple[str, ...] = ()
    problem: str = ""  # a filter that could not be read, said on the page

    @classmethod
    def parse(cls, args: Mapping[str, str]) -> IndexQuery:
        sort = _text(args, "sort")
        state = _text(args, "state")
        tag, problem = _text(args, "tag"), ""
        selector: tuple[str, ...] = ()
        try:
            selector = tuple(parse_selector(tag))
        except TagError as exc:
            problem = f"Tag filter ignored: {exc}."
        return cls(q=_text(args, "q"), state=state if state in STATES else "",
                   coin=_text(args, "coin"), algorithm=_text(args, "algorithm"), tag=tag,
                   sort=sort if sort in SORTS else "name",
                   order="desc" if _text(args, "order") == "desc" else "asc",
                   page=_int(args, "page", 1, 1, 10**6),
                   per=_int(args, "per", PER_PAGE, MIN_PER, MAX_PER),
                   selector=selector, problem=problem)

    def args(self, **changes: Any) -> dict[str, str]:
        """The query parameters that differ from the defaults (for links), with ``changes``."""
        q = replace(self, **changes)
        out = {"q": q.q, "state": q.state, "coin": q.coin, "algorithm": q.algorithm,
               "tag": q.tag, "sort": "" if q.sort == "name" else q.sort,
               "order": "" if q.order == "asc" else q.order,
               "page": "" if q.page == 1 else str(q.page),
               "per": "" if q.per == PER_PAGE else str(q.per)}
        return {k: v for k, v in out.items() if v}

    def sorted_by(self, column: str) -> dict[str, str]:
        """A column header's link: sort by it, or flip the order if it is the sort already."""
        flip = "desc" if self.sort == column and self.order == "asc" else "asc"
        return self.args(sort=column, order=flip, page=1)

    @property
    def filtered(self) -> bool:
        return bool(self.q or self.state or self.coin or self.algorithm or self.selector)

    def filter_key(self) -> tuple[str, ...]:
        return (self.q.lower(), self.state, self.coin, self.algorithm, *self.selector)

    def wants(self, farm: FarmAggregator, d: RigDigest, now: datetime) -> bool:
        if self.q and self.q.lower() not in d.name.lower():
            return False
        if self.state and not STATES[self.state].test(farm, d, now):
            return False
        if self.coin and not any(m.coin == self.coin for m in d.miners):
            return False
        if self.algorithm and not any(algorithm_bucket(m) == self.algorithm for m in d.miners):
            return False
        return not self.selector or matches(d.tags, list(self.selector))


@dataclass
class IndexView:
    query: IndexQuery
    rows: list[RigDigest]
    matching: int
    pages: int
    total: int  # rigs of the kind, filtered or not
    counts: dict[str, int] = field(default_factory=dict)  # base state -> matching rigs
    coins: list[str] = field(default_factory=list)  # the filters' choices, from the farm
    algorithms: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)

    @property
    def page(self) -> int:
        return min(self.query.page, self.pages)


def matching(farm: FarmAggregator, kind: str, query: IndexQuery,
             now: datetime) -> list[RigDigest]:
    """Every rig of ``kind`` the query's filters keep, in its sort order (no paging)."""
    found = [d for d in farm.rigs.values() if d.kind == kind and query.wants(farm, d, now)]
    found.sort(key=lambda d: (d.name.lower(), d.id))
    if query.sort == "name":
        return found[::-1] if query.order == "desc" else found
    key = SORTS[query.sort][1]
    keyed = [(key(farm, d, now, query), d) for d in found]
    present = [pair for pair in keyed if pair[0] is not None]
    present.sort(key=lambda pair: pair[0], reverse=query.order == "desc")  # stable: by name
    return [d for _, d in present] + [d for k, d in keyed if k is None]


def counts(farm: FarmAggregator, rigs: list[RigDigest], now: datetime) -> dict[str, int]:
    out = dict.fromkeys(BASE_STATES, 0)
    for d in rigs:
        out[state_of(farm, d, now)] += 1
    return out


@dataclass(frozen=True)
class Choices:
    """What the filters offer: every rig's coins, algorithms and tags (of one kind)."""

    total: int
    coins: list[str]
    algorithms: list[str]
    tags: list[str]
    at: float  # time.monotonic() when gathered


_CHOICES: weakref.WeakKeyDictionary[FarmAggregator, dict[str, Choices]] = (
    weakref.WeakKeyDictionary())


def choices(farm: FarmAggregator, kind: str) -> Choices:
    """Gathered at most once a second (a pass over every rig), per farm model and kind."""
    known = _CHOICES.setdefault(farm, {})
    hit, clock = known.get(kind), time.monotonic()
    if hit is not None and clock - hit.at < 1.0:
        return hit
    coins: set[str] = set()
    algorithms: set[str] = set()
    tags: set[str] = set()
    total = 0
    for d in farm.rigs.values():
        if d.kind == kind:
            total += 1
            coins.update(m.coin for m in d.miners if m.coin)
            algorithms.update(algorithm_bucket(m) for m in d.miners)
            tags.update(d.tags)
    found = known[kind] = Choices(total, sorted(coins), sorted(algorithms), sorted(tags), clock)
    return found


def index_view(farm: FarmAggregator, kind: str, query: IndexQuery, now: datetime) -> IndexView:
    rigs = matching(farm, kind, query, now)
    pages = max(1, -(-len(rigs) // query.per))
    page = min(query.page, pages)
    offer = choices(farm, kind)
    return IndexView(query, rigs[(page - 1) * query.per:page * query.per], len(rigs), pages,
                     offer.total, counts(farm, rigs, now), offer.coins, offer.algorithms,
                     offer.tags)


MAX_PICKED = 20_000  # ids one form may name (the body limit bounds them too)


def chosen(farm: FarmAggregator, kind: str, every: bool, ids: list[str],
           args: Mapping[str, str], now: datetime) -> list[RigDigest]:
    """The rigs a bulk action acts on: with ``every``, all that the filters in ``args`` match
    (every page); else the ``ids`` ticked, those that still exist, in the index's order."""
    if every:
        return matching(farm, kind, IndexQuery.parse(args), now)
    picked = {int(i) for i in ids[:MAX_PICKED] if i.isdigit() and len(i) < 10}
    found = [farm.rigs[i] for i in picked if i in farm.rigs and farm.rigs[i].kind == kind]
    return sorted(found, key=lambda d: (d.name.lower(), d.id))
