"""Sentry authentication: ``Authorization: Bearer <token>`` -> the rig, 401 or 410.

Every report carries the token, so resolving it is on the hot path: a token's rig (id, name,
kind) is remembered for :data:`CACHE_SECONDS`. Any change to a rig in this process (rename,
delete, new token) clears the cache, so one commander answers 410/401 at once; with several
commanders on one database, another commander notices within :data:`CACHE_SECONDS` (and the
ingest consumer drops reports of a rig that no longer exists).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from sqlalchemy import select

from minerfarm.commander.db.models import RetiredToken, Rig
from minerfarm.commander.errors import ApiError
from minerfarm.commander.state import CommanderState, commander_state
from minerfarm.protocol.tokens import SentryToken, TokenFormatError, hash_secret

CACHE_SECONDS = 60.0  # longer than a report interval (10 s): a farm's rigs stay cached


@dataclass(frozen=True)
class SentryRig:
    """Who a sentry request comes from."""

    id: int
    name: str
    kind: str


@dataclass
class TokenCache:
    _entries: dict[str, tuple[float, SentryRig]] = field(default_factory=dict)

    def get(self, token_hash: str) -> SentryRig | None:
        entry = self._entries.get(token_hash)
        if entry is None or entry[0] < time.monotonic():
            return None
        return entry[1]

    def put(self, token_hash: str, rig: SentryRig) -> None:
        if len(self._entries) > 50_000:
            self._entries.clear()
        self._entries[token_hash] = (time.monotonic() + CACHE_SECONDS, rig)

    def clear(self) -> None:
        self._entries.clear()


def issue_token() -> SentryToken:
    return SentryToken.issue(commander_state().fingerprint)


async def rig_for_bearer(header: str | None, state: CommanderState | None = None) -> SentryRig:
    if not header or not header.lower().startswith("bearer "):
        raise ApiError(401, "unauthorized", "missing sentry token (Authorization: Bearer ...)")
    try:
        token = SentryToken.parse(header[7:])
    except TokenFormatError as exc:
        raise ApiError(401, "unauthorized", f"invalid sentry token: {exc}") from exc
    token_hash = hash_secret(token.secret)
    state = state or commander_state()
    cached = state.token_cache.get(token_hash)
    if cached is not None:
        return cached
    async with state.db() as session:
        rig = await session.scalar(select(Rig).where(Rig.token_hash == token_hash))
        if rig is not None:
            found = SentryRig(rig.id, rig.name, rig.kind)
            state.token_cache.put(token_hash, found)
            return found
        retired = await session.get(RetiredToken, token_hash)
    if retired is not None and retired.reason == "deleted":
        # Not "stop mining": an ASIC sentry only reads its ASICs (the sentries say what they do)
        raise ApiError(410, "rig_removed", "this rig was deleted on the commander")
    raise ApiError(401, "unauthorized", "unknown or replaced sentry token")
