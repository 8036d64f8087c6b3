"""Admin API: a rig's (or ASIC sentry's) tags, ``GET``/``PUT /api/v1/rigs/{id}/tags``."""

from __future__ import annotations

from typing import Any

from quart import Blueprint
from quart_schema import validate_request, validate_response

from minerfarm.commander.tags import store
from minerfarm.commander.tags.schemas import TagsIn, TagsOut

tags_api = Blueprint("tags_api", __name__, url_prefix="/api/v1")


@tags_api.get("/rigs/<int:rig_id>/tags")
@validate_response(TagsOut)
async def get_tags(rig_id: int) -> dict[str, Any]:
    return {"id": rig_id, "tags": await store.rig_tags(rig_id)}


@tags_api.put("/rigs/<int:rig_id>/tags")
@validate_request(TagsIn)
@validate_response(TagsOut)
async def put_tags(rig_id: int, data: TagsIn) -> dict[str, Any]:
    """Replace the rig's tags: each 1-64 characters (letters, digits, ``._-/``, at most one
    ``:``), lower-cased, duplicates dropped, at most 16; ``[]`` removes them all."""
    return {"id": rig_id, "tags": await store.set_tags(rig_id, data.tags)}
