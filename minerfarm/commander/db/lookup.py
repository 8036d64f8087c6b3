"""A row by its id, or the API's 404 that names what was asked for ("no rig with id 3").

Every store looks rows up this way, so a missing id reads the same everywhere and the message
is written once.
"""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from minerfarm.commander.errors import ApiError

Row = TypeVar("Row")


def not_found(noun: str, row_id: Any) -> ApiError:
    return ApiError(404, "not_found", f"no {noun} with id {row_id}")


async def get_or_404(session: AsyncSession, model: type[Row], row_id: int, noun: str) -> Row:
    row = await session.get(model, row_id)
    if row is None:
        raise not_found(noun, row_id)
    return row
