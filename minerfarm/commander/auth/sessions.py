"""Admin browser sessions: unlimited, each a row (hash of a random id) that logout deletes.

quart-auth signs the session id into the cookie; the row makes logout (and ``set-password``,
which clears them all) effective on the server, not only in one browser.
"""

from __future__ import annotations

import asyncio
import hashlib
import secrets

from quart_auth import AuthUser
from sqlalchemy import delete, select

from minerfarm.commander.db.models import AdminSession
from minerfarm.commander.state import commander_state


def _hash(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


async def session_exists(session_id: str) -> bool:
    async with commander_state().db() as session:
        found = await session.scalar(
            select(AdminSession.id_hash).where(AdminSession.id_hash == _hash(session_id)))
    return found is not None


async def session_ended(session_id: str, every_s: float) -> None:
    """Return once the session is gone (logout, ``set-password``), checking every ``every_s``:
    an open websocket was authenticated when it opened, and must not outlive its session."""
    while True:
        await asyncio.sleep(every_s)
        if not await session_exists(session_id):
            return


class AdminUser(AuthUser):
    """The admin, if the cookie names a session that still exists."""

    _checked: bool | None = None

    @property
    async def is_authenticated(self) -> bool:
        if self.auth_id is None:
            return False
        if self._checked is None:
            self._checked = await session_exists(self.auth_id)
        return self._checked


async def open_session(user_agent: str | None) -> str:
    session_id = secrets.token_urlsafe(32)
    async with commander_state().db() as session, session.begin():
        session.add(AdminSession(id_hash=_hash(session_id), user_agent=(user_agent or "")[:256]))
    return session_id


async def close_session(session_id: str | None) -> None:
    if session_id is None:
        return
    async with commander_state().db() as session, session.begin():
        await session.execute(delete(AdminSession).where(AdminSession.id_hash == _hash(session_id)))
