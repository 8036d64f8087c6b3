"""The report batch a sentry POSTs to ``/api/v1/sentry/reports`` (protocol v1).

A field the source does not give is absent or ``None``, never 0. Unknown fields are kept
(``extra="allow"``) so that a newer sentry extending the protocol additively is not refused.
Units are fixed: H/s, degrees C, W, fan % or RPM as named, seconds, UTC ISO-8601.

Every value is bounded so that what is accepted can be stored and read back on every
database (see :mod:`minerfarm.protocol.bounds`): integers within a double's exact range,
finite floats, no NUL and no lone surrogate in any string, string lengths that fit their
columns, and unknown fields only as small, shallow, JSON-safe values.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from minerfarm.protocol.bounds import (
    FLOAT_MAX,
    SEQ_MAX,
    Clean,
    Count,
    Index,
    PlaybookId,
    check_extras,
    to_utc,
)

NonNegFloat = Annotated[float, Field(ge=0, le=FLOAT_MAX, allow_inf_nan=False)]
Temperature = Annotated[float, Field(ge=-60, le=250, allow_inf_nan=False)]
Percent = Annotated[float, Field(ge=0, le=100, allow_inf_nan=False)]
ShortText = Annotated[str, Field(max_length=256), Clean]

RigKind = Literal["cpu_gpu", "asic"]
RIG_KINDS: tuple[RigKind, ...] = ("cpu_gpu", "asic")


class WireModel(BaseModel):
    """Base of every wire object: keeps unknown fields, validates on assignment."""

    model_config = ConfigDict(extra="allow", validate_assignment=True)

    @model_validator(mode="after")
    def _bounded_extras(self) -> Any:
        # Unknown fields are stored as they came: they must be storable and readable too.
        # (Runs for every object of every report: most have no unknown field, no call then.)
        extras = self.__pydantic_extra__
        if extras:
            check_extras(extras)
        return self


class Cpu(WireModel):
    model: ShortText | None = None
    cores: Count | None = None
    usage_pct: Percent | None = None
    temp_c: Temperature | None = None


class Memory(WireModel):
    total_mb: NonNegFloat | None = None
    used_mb: NonNegFloat | None = None


class Host(WireModel):
    hostname: ShortText | None = None
    os: ShortText | None = None
    uptime_s: NonNegFloat | None = None
    cpu: Cpu | None = None
    memory: Memory | None = None


GpuFigure = Literal["temp_c", "fan_pct", "power_w", "hashrate_hs"]
SourceName = Annotated[str, Field(min_length=1, max_length=32, pattern=r"^[a-z0-9_-]+$")]


class GpuSource(WireModel):
    """Per figure of a :class:`Gpu`: "nvml", "amdgpu" or the miner software that gave it."""

    temp_c: SourceName | None = None
    fan_pct: SourceName | None = None
    power_w: SourceName | None = None
    hashrate_hs: SourceName | None = None


class Gpu(WireModel):
    index: Index
    vendor: Literal["nvidia", "amd", "intel", "other"] | None = None
    name: ShortText | None = None
    temp_c: Temperature | None = None
    fan_pct: Percent | None = None
    power_w: NonNegFloat | None = None
    core_mhz: NonNegFloat | None = None
    mem_mhz: NonNegFloat | None = None
    util_pct: Percent | None = None
    mem_used_mb: NonNegFloat | None = None
    # What the miner mining on this GPU counts for it (its miners[].devices[] entry)
    hashrate_hs: NonNegFloat | None = None
    # Where temp_c / fan_pct / power_w / hashrate_hs came from: "nvml", "amdgpu" or the miner
    # software ("trex") that filled a figure the driver did not give.
    source: GpuSource | None = None


class Shares(WireModel):
    accepted: Count | None = None
    rejected: Count | None = None
    stale: Count | None = None


class DeviceHashrate(WireModel):
    index: Index
    hashrate_hs: NonNegFloat | None = None


class Miner(WireModel):
    playbook_id: PlaybookId | None = None
    software: ShortText
    version: ShortText | None = None
    algorithm: ShortText | None = None
    coin: ShortText | None = None
    pool: Annotated[str, Field(max_length=1024), Clean] | None = None
    hashrate_hs: NonNegFloat | None = None
    devices: list[DeviceHashrate] = Field(default_factory=list, max_length=256)
    shares: Shares | None = None
    uptime_s: NonNegFloat | None = None
    running: bool | None = None
    # Additive to v1: where the sentry reads the miner's API, and why it got no answer there
    # (absent: it answered). A miner that answers ``running: false`` is paused, not dead.
    api_url: Annotated[str, Field(max_length=1024), Clean] | None = None
    api_error: ShortText | None = None


class Board(WireModel):
    index: Index
    hashrate_hs: NonNegFloat | None = None
    temp_c: Temperature | None = None
    chip_temp_c: Temperature | None = None


class Psu(WireModel):
    """An ASIC's power supply, where its firmware names it (Whatsminer ``get_psu``)."""

    model: Annotated[str, Field(max_length=64), Clean] | None = None
    firmware_version: Annotated[str, Field(max_length=128), Clean] | None = None
    fan_rpm: NonNegFloat | None = None


class Asic(WireModel):
    # Lengths of the asic_miners columns (identity is "ip:<ip>" in 64 characters).
    ip: Annotated[str, Field(max_length=61), Clean]
    # ASCII: the identity is the MAC lower-cased, and lower-casing must not lengthen it.
    mac: Annotated[str, Field(max_length=32, pattern=r"^[\x20-\x7e]*$")] | None = None
    # The control board's serial, where the firmware gives one; additive to protocol v1.
    serial: Annotated[str, Field(max_length=64), Clean] | None = None
    make: Annotated[str, Field(max_length=64), Clean] | None = None
    model: Annotated[str, Field(max_length=128), Clean] | None = None
    model_variant: Annotated[str, Field(max_length=128), Clean] | None = None
    firmware_version: Annotated[str, Field(max_length=128), Clean] | None = None
    software_version: Annotated[str, Field(max_length=128), Clean] | None = None
    # Read by the farm totals (hashrate by coin / algorithm); additive to protocol v1.
    coin: Annotated[str, Field(max_length=64), Clean] | None = None
    algorithm: Annotated[str, Field(max_length=64), Clean] | None = None
    hashrate_hs: NonNegFloat | None = None
    expected_hashrate_hs: NonNegFloat | None = None
    boards: list[Board] = Field(default_factory=list, max_length=64)
    fans_rpm: list[NonNegFloat | None] = Field(default_factory=list, max_length=64)
    power_w: NonNegFloat | None = None
    pool: Annotated[str, Field(max_length=1024), Clean] | None = None
    shares: Shares | None = None
    uptime_s: NonNegFloat | None = None
    online: bool
    errors: list[Annotated[str, Field(max_length=1024), Clean]] = Field(
        default_factory=list, max_length=64
    )
    psu: Psu | None = None  # additive to protocol v1 (older commanders keep it as an extra)


class Report(WireModel):
    seq: Annotated[int, Field(ge=0, le=SEQ_MAX)]
    ts: datetime
    host: Host | None = None
    gpus: list[Gpu] = Field(default_factory=list, max_length=64)
    miners: list[Miner] = Field(default_factory=list, max_length=64)
    asics: list[Asic] = Field(default_factory=list, max_length=10_000)

    @field_validator("ts")
    @classmethod
    def _utc(cls, value: datetime) -> datetime:
        if value.tzinfo is None:
            raise ValueError("timestamp must carry a timezone (UTC, ISO-8601, e.g. ...Z)")
        return to_utc(value)


class ReportBatch(WireModel):
    reports: list[Report] = Field(min_length=1, max_length=10_000)


class ReportAck(BaseModel):
    accepted: int
    duplicates: int


def utc_now() -> datetime:
    return datetime.now(UTC)


def isoformat_z(moment: datetime) -> str:
    """UTC ISO-8601 with a ``Z``, as the protocol writes timestamps."""
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")
