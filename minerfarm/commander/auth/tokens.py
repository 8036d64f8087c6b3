"""Sentry authentication: ``Authorization: Bearer <token>`` -> the rig, 401 or 410."""

from __future__ import annotations

from sqlalchemy import select

from minerfarm.commander.db.models import RetiredToken, Rig
from minerfarm.commander.errors import ApiError
from minerfarm.commander.state import commander_state
from minerfarm.protocol.tokens import SentryToken, TokenFormatError, hash_secret


def issue_token() -> SentryToken:
    return SentryToken.issue(commander_state().fingerprint)


async def rig_for_bearer(header: str | None) -> Rig:
    if not header or not header.lower().startswith("bearer "):
        raise ApiError(401, "unauthorized", "missing sentry token (Authorization: Bearer ...)")
    try:
        token = SentryToken.parse(header[7:])
    except TokenFormatError as exc:
        raise ApiError(401, "unauthorized", f"invalid sentry token: {exc}") from exc
    token_hash = hash_secret(token.secret)
    async with commander_state().db() as session:
        rig = await session.scalar(select(Rig).where(Rig.token_hash == token_hash))
        if rig is not None:
            return rig
        retired = await session.get(RetiredToken, token_hash)
    if retired is not None and retired.reason == "deleted":
        raise ApiError(410, "rig_removed",
                       "this rig was removed from the commander: stop mining and re-enroll")
    raise ApiError(401, "unauthorized", "unknown or replaced sentry token")
