"""Request and response bodies of the admin API (validated, and documented in /openapi.json)."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from minerfarm.protocol.bounds import to_utc
from minerfarm.protocol.reports import RigKind

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _clean_name(value: str) -> str:
    value = value.strip()
    if not value:
        raise ValueError("name must not be empty")
    if _CONTROL.search(value):
        raise ValueError("name must not contain control characters")
    return value


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RigCreate(Strict):
    name: Annotated[str, Field(max_length=128)]
    kind: RigKind = "cpu_gpu"

    _name = field_validator("name")(_clean_name)


class RigRename(Strict):
    name: Annotated[str, Field(max_length=128)]

    _name = field_validator("name")(_clean_name)


class RigOut(BaseModel):
    id: int
    name: str
    kind: str
    created_at: datetime
    last_seen: datetime | None
    online: bool
    stats: dict[str, Any] | None = None
    asics: list[dict[str, Any]] | None = None


class RigWithToken(BaseModel):
    rig: RigOut
    token: str


class RigList(BaseModel):
    rigs: list[RigOut]


class ReportsQuery(BaseModel):
    limit: Annotated[int, Field(ge=1, le=1000)] = 100
    cursor: Annotated[str, Field(max_length=64)] | None = None
    before: datetime | None = None

    @field_validator("before")
    @classmethod
    def _utc(cls, value: datetime | None) -> datetime | None:
        if value is None:
            return None
        return to_utc(value if value.tzinfo else value.replace(tzinfo=UTC))


class RigsQuery(BaseModel):
    kind: RigKind | None = None


class StoredReport(BaseModel):
    seq: int
    ts: datetime
    received_at: datetime
    report: dict[str, Any] | None  # null: stored by an older version and not readable


class ReportPage(BaseModel):
    reports: list[StoredReport]
    next_cursor: str | None
    next_before: datetime | None


class FarmStats(BaseModel):
    hashrate_hs_by_coin: dict[str, float]
    hashrate_hs_by_algorithm: dict[str, float]
    power_w: float
    rigs_online: int
    rigs_offline: int
    asics_online: int
    asics_offline: int
    dead_letters: int  # queued reports that could not be stored: GET /api/v1/dead-letters


class DeadLettersQuery(BaseModel):
    limit: Annotated[int, Field(ge=1, le=1000)] = 100
    rig_id: Annotated[int, Field(ge=0, le=2**31 - 1)] | None = None


class DeadLetterOut(BaseModel):
    id: int
    rig_id: int
    seq: int | None
    received_at: datetime
    dead_at: datetime
    reason: str
    payload: str  # the report's JSON text, as it was queued


class DeadLetterList(BaseModel):
    count: int
    dead_letters: list[DeadLetterOut]


class Hello(BaseModel):
    rig: dict[str, Any]
    last_seq: int | None = None  # highest stored report seq of the rig (docs/api.md)

