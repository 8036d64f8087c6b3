"""Tables of the commander. Dialect-neutral: SQLite for small farms, PostgreSQL for big ones."""

from __future__ import annotations

import json
import logging
import math
from datetime import UTC, datetime
from typing import Any

import orjson
from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class UtcDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite stores naive text)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class RawJson(str):
    """Text that is already a JSON document: stored as it is, not serialised again."""


class JsonDocument(TypeDecorator[Any]):
    """JSON on every backend; also accepts :class:`RawJson` text, which it stores unchanged."""

    impl = JSON
    cache_ok = True

    def bind_processor(self, dialect: Any) -> Any:
        serialise = self.impl_instance.bind_processor(dialect)

        def process(value: Any) -> Any:
            if isinstance(value, RawJson):
                return str(value)
            return serialise(value) if serialise is not None else value

        return process


log = logging.getLogger(__name__)
_JSON_INT_MAX = 2**53


def _bounded_int(text: str) -> int | None:
    number = int(text) if len(text) < 40 else None
    return number if number is not None and abs(number) <= _JSON_INT_MAX else None


def _finite_float(text: str) -> float | None:
    number = float(text)
    return number if math.isfinite(number) else None


def read_json(text: str | bytes) -> Any:
    """The engine's JSON reader (every JSON column, both backends): never raises.

    Stored documents are parsed with orjson. One it refuses (written before the protocol had
    bounds: ``10**400`` in a counter, ``Infinity``) is read again leniently, its unusable numbers
    as null, and logged; text that is no JSON at all reads as None. Either way the rows around it
    (every rig's stats, every report page) stay readable.
    """
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        first = exc
    try:
        value = json.loads(text, parse_int=_bounded_int, parse_float=_finite_float,
                           parse_constant=lambda _name: None)
        log.warning("stored JSON has numbers out of range (%s); read them as null", first)
        return value
    except (ValueError, RecursionError) as exc:
        log.warning("stored JSON cannot be read (%s); read it as null", exc)
        return None


def utcnow() -> datetime:
    return datetime.now(UTC)


NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Rig(Base):
    """A cpu/gpu rig or an ASIC sentry (kind ``asic``): anything holding a sentry token."""

    __tablename__ = "rigs"
    # Never reuse a deleted rig's id: queued reports and retired tokens name rigs by id.
    __table_args__ = {"sqlite_autoincrement": True}
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(128), unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    token_created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    last_seen: Mapped[datetime | None] = mapped_column(UtcDateTime)
    last_seq: Mapped[int | None] = mapped_column(BigInteger)
    latest_stats: Mapped[dict[str, Any] | None] = mapped_column(JsonDocument)
    playbook_revision: Mapped[int] = mapped_column(Integer, default=0)


class RetiredToken(Base):
    """Hashes of tokens that no longer work: 410 for a deleted rig, 401 for a replaced one."""

    __tablename__ = "retired_tokens"
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    rig_id: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(String(16))  # "deleted" | "regenerated"
    retired_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class Report(Base):
    """One stored report: the rig's log. ``(rig_id, seq)`` is the idempotency key."""

    __tablename__ = "reports"
    __table_args__ = (
        UniqueConstraint("rig_id", "seq", name="uq_reports_rig_seq"),
        Index("ix_reports_rig_ts", "rig_id", "ts"),
        # ids only grow: the rollup job's watermark is a report id
        {"sqlite_autoincrement": True},
    )
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"),
                                    primary_key=True)
    rig_id: Mapped[int] = mapped_column(ForeignKey("rigs.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(BigInteger)
    ts: Mapped[datetime] = mapped_column(UtcDateTime)
    received_at: Mapped[datetime] = mapped_column(UtcDateTime)
    payload: Mapped[dict[str, Any]] = mapped_column(JsonDocument)


class ReportBlock(Base):
    """Reports of one rig received in one hour, compacted: zstd-compressed JSON lines
    (:mod:`minerfarm.commander.reports.blocks`). Read with the raw reports by
    :mod:`minerfarm.commander.reports.paging`; a seq in a block is never stored again."""

    __tablename__ = "report_blocks"
    __table_args__ = (
        Index("ix_report_blocks_rig_last_ts", "rig_id", "last_ts"),
        Index("ix_report_blocks_rig_max_seq", "rig_id", "max_seq"),
        Index("ix_report_blocks_last_received", "last_received"),
    )
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"),
                                    primary_key=True)
    rig_id: Mapped[int] = mapped_column(ForeignKey("rigs.id", ondelete="CASCADE"))
    first_ts: Mapped[datetime] = mapped_column(UtcDateTime)
    last_ts: Mapped[datetime] = mapped_column(UtcDateTime)
    min_seq: Mapped[int] = mapped_column(BigInteger)
    max_seq: Mapped[int] = mapped_column(BigInteger)
    last_received: Mapped[datetime] = mapped_column(UtcDateTime)
    count: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes] = mapped_column(LargeBinary)


class AsicMiner(Base):
    """An ASIC watched by an ASIC sentry; identified by MAC when known, else by IP."""

    __tablename__ = "asic_miners"
    __table_args__ = (UniqueConstraint("rig_id", "identity", name="uq_asic_miners_rig_identity"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    rig_id: Mapped[int] = mapped_column(ForeignKey("rigs.id", ondelete="CASCADE"), index=True)
    identity: Mapped[str] = mapped_column(String(64))
    ip: Mapped[str] = mapped_column(String(64))
    mac: Mapped[str | None] = mapped_column(String(32))
    make: Mapped[str | None] = mapped_column(String(64))
    model: Mapped[str | None] = mapped_column(String(128))
    model_variant: Mapped[str | None] = mapped_column(String(128))
    firmware_version: Mapped[str | None] = mapped_column(String(128))
    software_version: Mapped[str | None] = mapped_column(String(128))
    online: Mapped[bool] = mapped_column(Boolean, default=False)
    last_seen: Mapped[datetime | None] = mapped_column(UtcDateTime)
    latest_stats: Mapped[dict[str, Any] | None] = mapped_column(JsonDocument)


class Address(Base):
    """An address template: a pool URL or a wallet, per coin."""

    __tablename__ = "addresses"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    type: Mapped[str] = mapped_column(String(16))  # "pool" | "wallet"
    coin: Mapped[str] = mapped_column(String(32))
    label: Mapped[str] = mapped_column(String(128))
    value: Mapped[str] = mapped_column(String(1024))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class MiningSoftware(Base):
    """A catalog entry: where to download a miner, how to check and start it, how to read it."""

    __tablename__ = "mining_software"
    __table_args__ = (UniqueConstraint("name", "version", name="uq_mining_software_name_version"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    version: Mapped[str] = mapped_column(String(64))
    download_url: Mapped[str] = mapped_column(String(2048))
    sha256: Mapped[str] = mapped_column(String(64))
    executable_template: Mapped[str] = mapped_column(Text)
    api_kind: Mapped[str] = mapped_column(String(32))
    api_port: Mapped[int] = mapped_column(Integer)


class Playbook(Base):
    """A rig's Ansible playbook (YAML) that installs and starts one miner."""

    __tablename__ = "playbooks"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    rig_id: Mapped[int] = mapped_column(ForeignKey("rigs.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(128))
    software_id: Mapped[int | None] = mapped_column(
        ForeignKey("mining_software.id", ondelete="SET NULL")
    )
    yaml: Mapped[str] = mapped_column(Text)
    address_ids: Mapped[list[int]] = mapped_column(JsonDocument, default=list)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class PlaybookRun(Base):
    """What a sentry reported after applying a playbook revision."""

    __tablename__ = "playbook_runs"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    rig_id: Mapped[int] = mapped_column(ForeignKey("rigs.id", ondelete="CASCADE"), index=True)
    revision: Mapped[str] = mapped_column(String(64))
    playbook_id: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16))
    failed_task: Mapped[str | None] = mapped_column(String(256))
    message: Mapped[str | None] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class RigEvent(Base):
    """A rig's (or one of its ASICs') event log: online/offline, miners, playbooks, alerts
    (kinds: :mod:`minerfarm.commander.events.kinds`)."""

    __tablename__ = "rig_events"
    __table_args__ = (Index("ix_rig_events_rig_at", "rig_id", "at"),
                      Index("ix_rig_events_at", "at"), {"sqlite_autoincrement": True})
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"),
                                    primary_key=True, autoincrement=True)
    rig_id: Mapped[int] = mapped_column(ForeignKey("rigs.id", ondelete="CASCADE"))
    asic: Mapped[str | None] = mapped_column(String(64))  # the ASIC's identity (MAC or ip:)
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    kind: Mapped[str] = mapped_column(String(32))
    message: Mapped[str] = mapped_column(String(1024))
    details: Mapped[dict[str, Any] | None] = mapped_column(JsonDocument)


class MinerLogLine(Base):
    """A line of a miner's console output, shipped by the sentry."""

    __tablename__ = "miner_log_lines"
    __table_args__ = (Index("ix_miner_log_lines_rig_ts", "rig_id", "ts"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    rig_id: Mapped[int] = mapped_column(ForeignKey("rigs.id", ondelete="CASCADE"))
    playbook_id: Mapped[int | None] = mapped_column(Integer)
    ts: Mapped[datetime] = mapped_column(UtcDateTime)
    line: Mapped[str] = mapped_column(Text)


class AdminSession(Base):
    """A browser session of the admin; deleting the row logs that browser out."""

    __tablename__ = "admin_sessions"
    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    user_agent: Mapped[str | None] = mapped_column(String(256))


class StatRollup(Base):
    """Chart data: a rig's (or one of its ASICs') figures averaged over a minute or an hour.

    ``asic`` is ``""`` for the rig itself, else the ASIC's identity (MAC, or ``ip:<address>``).
    ``samples`` weighs the averages so late reports merge into a bucket exactly.
    """

    __tablename__ = "stat_rollups"
    __table_args__ = (
        UniqueConstraint("rig_id", "asic", "period_s", "bucket", name="uq_stat_rollups_key"),
        Index("ix_stat_rollups_period_bucket", "period_s", "bucket"),
    )
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"),
                                    primary_key=True)
    rig_id: Mapped[int] = mapped_column(ForeignKey("rigs.id", ondelete="CASCADE"))
    asic: Mapped[str] = mapped_column(String(64), default="")
    period_s: Mapped[int] = mapped_column(Integer)  # 60 or 3600
    bucket: Mapped[datetime] = mapped_column(UtcDateTime)
    samples: Mapped[int] = mapped_column(Integer)
    hashrate_hs: Mapped[float | None] = mapped_column(Float)
    temp_c: Mapped[float | None] = mapped_column(Float)  # hottest GPU / board, averaged
    power_w: Mapped[float | None] = mapped_column(Float)


class RollupWatermark(Base):
    """The last report id the rollup job has folded in (one row, ``name`` = ``"reports"``)."""

    __tablename__ = "rollup_watermarks"
    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    last_id: Mapped[int] = mapped_column(BigInteger)


class DeadLetter(Base):
    """A queued report the consumer could not store (a data error that fails alone): kept with
    why, so nothing acknowledged is lost, and out of the way of the reports queued behind it.

    ``payload`` is the report's JSON as it was queued, as text (it may be what no JSON column
    took). No foreign key: a dead letter outlives its rig, and never fails to be written.
    """

    __tablename__ = "dead_letters"
    __table_args__ = ({"sqlite_autoincrement": True},)
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"),
                                    primary_key=True)
    rig_id: Mapped[int] = mapped_column(Integer, index=True)
    seq: Mapped[int | None] = mapped_column(BigInteger)
    received_at: Mapped[datetime] = mapped_column(UtcDateTime)
    dead_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    reason: Mapped[str] = mapped_column(Text)
    payload: Mapped[str] = mapped_column(Text)


class RigTag(Base):
    """A label on a rig or an ASIC sentry (``site:berlin``, ``rack:a3``, ``spare``): what the
    index filters, bulk actions and alert rules select rigs by (:mod:`commander.tags`)."""

    __tablename__ = "rig_tags"
    rig_id: Mapped[int] = mapped_column(ForeignKey("rigs.id", ondelete="CASCADE"),
                                        primary_key=True)
    tag: Mapped[str] = mapped_column(String(64), primary_key=True, index=True)


class AlertChannel(Base):
    """A notification channel: an apprise URL (its secrets are never shown back in full)."""

    __tablename__ = "alert_channels"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(128), unique=True)
    url: Mapped[str] = mapped_column(String(2048))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class AlertRule(Base):
    """What to watch (``kind``, ``threshold``, ``for_s``), on which rigs (``rig_ids`` None =
    every rig; ``selector`` is kept for tags), who to tell (``channel_ids``), what to do."""

    __tablename__ = "alert_rules"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(128))
    kind: Mapped[str] = mapped_column(String(32))
    threshold: Mapped[float | None] = mapped_column(Float)
    hysteresis: Mapped[float | None] = mapped_column(Float)
    sensor: Mapped[str | None] = mapped_column(String(16))
    for_s: Mapped[int] = mapped_column(Integer, default=0)
    rig_ids: Mapped[list[int] | None] = mapped_column(JsonDocument)
    selector: Mapped[dict[str, Any] | None] = mapped_column(JsonDocument)
    channel_ids: Mapped[list[int]] = mapped_column(JsonDocument, default=list)
    action: Mapped[str | None] = mapped_column(String(32))
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class Alert(Base):
    """One firing of a rule on a rig (or one of its ASICs): firing, then resolved.
    ``subject`` is ``""`` for the rig itself, else the ASIC's identity."""

    __tablename__ = "alerts"
    __table_args__ = (Index("ix_alerts_state", "state"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    rule_id: Mapped[int] = mapped_column(Integer, index=True)
    rig_id: Mapped[int] = mapped_column(Integer, index=True)
    subject: Mapped[str] = mapped_column(String(64), default="")
    asic_ip: Mapped[str | None] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(16))  # "firing" | "resolved"
    value: Mapped[float | None] = mapped_column(Float)
    message: Mapped[str] = mapped_column(Text)
    silenced: Mapped[bool] = mapped_column(Boolean, default=False)
    started_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class AlertEvent(Base):
    """An alert's history: each change of state (pending, firing, resolved, acknowledged)."""

    __tablename__ = "alert_events"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    alert_id: Mapped[int | None] = mapped_column(Integer, index=True)
    rule_id: Mapped[int] = mapped_column(Integer)
    rig_id: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(16))
    value: Mapped[float | None] = mapped_column(Float)
    message: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class AlertSilence(Base):
    """No notifications for a rig, a rule, or a rule on a rig, until ``until`` (maintenance)."""

    __tablename__ = "alert_silences"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    rig_id: Mapped[int | None] = mapped_column(Integer)
    rule_id: Mapped[int | None] = mapped_column(Integer)
    until: Mapped[datetime] = mapped_column(UtcDateTime)
    reason: Mapped[str] = mapped_column(String(256), default="")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class AlertNotification(Base):
    """A notification not delivered yet, one per channel: written in the transaction that
    stores the alert change it tells of, deleted once its channel took it (or every retry
    failed), so a restarted commander, or the next leader, sends what was pending."""

    __tablename__ = "alert_outbox"
    __table_args__ = {"sqlite_autoincrement": True}
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel_id: Mapped[int] = mapped_column(ForeignKey("alert_channels.id", ondelete="CASCADE"))
    payload: Mapped[str] = mapped_column(Text)  # notify.Notification as JSON
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class RigAction(Base):
    """A remote action on a CPU/GPU rig, and its audit log: who asked, what, when, and what
    became of it (``status``: ``pending`` until the sentry acknowledges it with ``done``,
    ``failed`` or ``refused``; ``expired`` when it never did in time; ``gave_up`` is the loop
    protection's own record of having stopped repeating)."""

    __tablename__ = "rig_actions"
    __table_args__ = (Index("ix_rig_actions_rig_requested", "rig_id", "requested_at"),
                      {"sqlite_autoincrement": True})
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    rig_id: Mapped[int] = mapped_column(ForeignKey("rigs.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32))
    miner: Mapped[str | None] = mapped_column(String(128))
    requested_by: Mapped[str] = mapped_column(String(128))
    requested_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    message: Mapped[str | None] = mapped_column(Text)
    delivered_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    acked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class RigActionKinds(Base):
    """The action kinds a rig's sentry said it executes (its long-poll's ``actions=``)."""

    __tablename__ = "rig_action_kinds"
    rig_id: Mapped[int] = mapped_column(ForeignKey("rigs.id", ondelete="CASCADE"),
                                        primary_key=True)
    kinds: Mapped[str] = mapped_column(String(128))
    reported_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
