"""What one rig token may cost: requests per second and report bytes per day, per rig.

Two token buckets per rig, kept in memory (they start full after a restart, which costs at most
one burst): ``requests`` (:attr:`Settings.sentry_requests_per_s`, burst
:attr:`Settings.sentry_request_burst`) for every sentry API call, and ``bytes`` (a day's budget
by rig kind, up to an hour of it at once) for report bodies. Past either, the request is refused
with 429 and ``Retry-After`` (the seconds until it would pass): a real sentry keeps the reports
in its durable spool and sends them then, so nothing is lost; refusing rather than pruning a
rig's oldest reports means a misbehaving token cannot rewrite a rig's history either.

This runs on every report POST: a dict lookup and a few float operations, no lock (one event
loop), no I/O.
"""

from __future__ import annotations

import math
import time

from minerfarm.commander.errors import ApiError
from minerfarm.commander.settings import Settings
from minerfarm.commander.state import CommanderState

KEY = "minerfarm.rig_budget"
BURST_SHARE_OF_DAY = 1 / 24  # a byte bucket holds an hour of the daily budget
MAX_RIGS = 100_000  # buckets kept; beyond, all are forgotten (they refill to full anyway)


class _Bucket:
    __slots__ = ("level", "stamp")

    def __init__(self, level: float, stamp: float) -> None:
        self.level, self.stamp = level, stamp


def _take(bucket: _Bucket, amount: float, rate: float, capacity: float, now: float) -> float:
    """Take ``amount`` if the bucket holds it (returns 0), else the seconds until it would."""
    bucket.level = min(capacity, bucket.level + (now - bucket.stamp) * rate)
    bucket.stamp = now
    if bucket.level >= amount:
        bucket.level -= amount
        return 0.0
    return (amount - bucket.level) / rate if rate > 0 else math.inf


class RigBudget:
    def __init__(self, settings: Settings) -> None:
        self.request_rate = float(max(settings.sentry_requests_per_s, 0))
        self.request_burst = float(max(settings.sentry_request_burst, 1))
        # A bucket must hold at least one largest body, else such a POST could never pass.
        self.byte_rates: dict[str, float] = {}
        self.byte_capacity: dict[str, float] = {}
        for kind, per_day in (("cpu_gpu", settings.rig_bytes_per_day),
                              ("asic", settings.asic_sentry_bytes_per_day)):
            self.byte_rates[kind] = per_day / 86400
            self.byte_capacity[kind] = max(per_day * BURST_SHARE_OF_DAY,
                                           float(settings.max_body_bytes))
        self._requests: dict[int, _Bucket] = {}
        self._bytes: dict[int, _Bucket] = {}

    def charge_request(self, rig_id: int, now: float | None = None) -> None:
        """One sentry API request of ``rig_id``; raises 429 past the rate."""
        now = time.monotonic() if now is None else now
        bucket = self._requests.get(rig_id)
        if bucket is None:
            bucket = self._requests[rig_id] = self._new(self._requests, self.request_burst, now)
        wait = _take(bucket, 1.0, self.request_rate, self.request_burst, now)
        if wait:
            raise _too_many(wait, f"more than {self.request_rate:g} requests/s from this rig's "
                                  "token; wait and resend")

    def charge_bytes(self, rig_id: int, kind: str, size: int, now: float | None = None) -> None:
        """``size`` bytes of reports from ``rig_id``; raises 429 past its daily budget."""
        now = time.monotonic() if now is None else now
        rate = self.byte_rates.get(kind, self.byte_rates["cpu_gpu"])
        capacity = self.byte_capacity.get(kind, self.byte_capacity["cpu_gpu"])
        bucket = self._bytes.get(rig_id)
        if bucket is None:
            bucket = self._bytes[rig_id] = self._new(self._bytes, capacity, now)
        wait = _take(bucket, float(size), rate, capacity, now)
        if wait:
            raise _too_many(wait, f"this rig sent more than its {rate * 86400:,.0f} report "
                                  "bytes per day; wait and resend")

    @staticmethod
    def _new(buckets: dict[int, _Bucket], level: float, now: float) -> _Bucket:
        if len(buckets) >= MAX_RIGS:
            buckets.clear()
        return _Bucket(level, now)


def _too_many(wait_s: float, message: str) -> ApiError:
    retry_after = max(1, math.ceil(min(wait_s, 86400.0)))
    return ApiError(429, "too_many_requests", message, retry_after=retry_after)


def rig_budget(state: CommanderState) -> RigBudget:
    """The commander's one :class:`RigBudget` (made at first use)."""
    budget = state.extras.get(KEY)
    if budget is None:
        budget = state.extras[KEY] = RigBudget(state.settings)
    assert isinstance(budget, RigBudget)
    return budget
