"""The tags API's bodies (validated, and documented in /openapi.json)."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, field_validator

from minerfarm.commander.tags.rules import MAX_LENGTH, MAX_TAGS, check_tags


class TagsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    # Up to twice the limit before duplicates are dropped; check_tags bounds the result.
    tags: Annotated[list[Annotated[str, Field(max_length=MAX_LENGTH)]],
                    Field(max_length=2 * MAX_TAGS)]

    _tags = field_validator("tags")(check_tags)


class TagsOut(BaseModel):
    id: int
    tags: list[str]
