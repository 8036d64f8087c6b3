"""Channels, rules, alerts and silences: what the admin API and the Alerts page both call.

Every change reloads the running engine, so it takes effect at the next tick.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from minerfarm.commander.alerts import history
from minerfarm.commander.alerts.engine import AlertEngine
from minerfarm.commander.alerts.notify import Notification, describe_url
from minerfarm.commander.alerts.schemas import ChannelIn, RuleIn, RulePatch, SilenceIn
from minerfarm.commander.db.lookup import get_or_404
from minerfarm.commander.db.models import Alert, AlertChannel, AlertRule, AlertSilence, Rig
from minerfarm.commander.errors import ApiError, invalid_request
from minerfarm.commander.state import CommanderState, commander_state

ENGINE = "minerfarm.alerts"


def engine(state: CommanderState | None = None) -> AlertEngine:
    found = (state or commander_state()).extras.get(ENGINE)
    if not isinstance(found, AlertEngine):
        raise ApiError(503, "not_ready", "the alert engine is not running yet; retry shortly")
    return found


def _now() -> datetime:
    return datetime.now(UTC)


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat().replace("+00:00", "Z")


# -- channels ---------------------------------------------------------------------------
def channel_out(channel: AlertChannel) -> dict[str, Any]:
    described = describe_url(channel.url)
    service, masked = described if described else ("?", "(not understood)")
    masked = masked.split("?", 1)[0]  # apprise's defaults (retry=0&wait=0.5...) say nothing
    return {"id": channel.id, "name": channel.name, "service": service, "url": masked,
            "created_at": _iso(channel.created_at)}


async def list_channels() -> list[AlertChannel]:
    async with commander_state().db() as session:
        return list(await session.scalars(select(AlertChannel).order_by(AlertChannel.id)))


async def get_channel(channel_id: int) -> AlertChannel:
    async with commander_state().db() as session:
        return await get_or_404(session, AlertChannel, channel_id, "channel")


async def create_channel(data: ChannelIn) -> AlertChannel:
    if describe_url(data.url) is None:
        raise ApiError(422, "invalid_request",
                       "url: not a notification URL apprise understands (e.g. "
                       "tgram://bottoken/chatid, mailto://user:pass@example.com, "
                       "json://host:port/path; see the apprise wiki)")
    try:
        async with commander_state().db() as session, session.begin():
            channel = AlertChannel(name=data.name, url=data.url)
            session.add(channel)
    except IntegrityError as exc:
        raise ApiError(409, "conflict", f"a channel named {data.name!r} exists") from exc
    await engine().reload()
    return channel


async def delete_channel(channel_id: int) -> None:
    channel = await get_channel(channel_id)
    async with commander_state().db() as session, session.begin():
        await session.delete(await session.merge(channel))
    await engine().reload()


async def test_channel(channel_id: int) -> str | None:
    channel = await get_channel(channel_id)
    state = commander_state()
    item = Notification(state="test", rule="test notification", rig="(no rig)",
                        value=f"sent from the Alerts page of {state.settings.farm_name}",
                        at=_now())
    return await engine(state).notifier.test(channel.url, item)


# -- rules ------------------------------------------------------------------------------
RULE_FIELDS = ("name", "kind", "threshold", "hysteresis", "sensor", "for_s", "rig_ids",
               "selector", "channel_ids", "action", "enabled")


def rule_out(rule: AlertRule) -> dict[str, Any]:
    return {**{name: getattr(rule, name) for name in ("id", *RULE_FIELDS)},
            "created_at": _iso(rule.created_at)}


async def list_rules() -> list[AlertRule]:
    async with commander_state().db() as session:
        return list(await session.scalars(select(AlertRule).order_by(AlertRule.id)))


async def get_rule(rule_id: int) -> AlertRule:
    async with commander_state().db() as session:
        return await get_or_404(session, AlertRule, rule_id, "alert rule")


async def _check_ids(values: dict[str, Any]) -> None:
    async with commander_state().db() as session:
        for field, model in (("channel_ids", AlertChannel), ("rig_ids", Rig)):
            wanted = set(values.get(field) or [])
            if wanted:
                found = set(await session.scalars(select(model.id).where(model.id.in_(wanted))))
                missing = sorted(wanted - found)
                if missing:
                    raise ApiError(422, "invalid_request",
                                   f"{field}: no such id {', '.join(map(str, missing[:10]))}")


async def save_rule(data: RuleIn | RulePatch, rule_id: int | None = None) -> AlertRule:
    async with commander_state().db() as session, session.begin():
        rule = (AlertRule() if rule_id is None
                else await get_or_404(session, AlertRule, rule_id, "alert rule"))
        values = data.model_dump()
        if rule_id is not None:  # PATCH: the fields given, over the rule as it is
            values = {**{name: getattr(rule, name) for name in RULE_FIELDS},
                      **data.model_dump(exclude_unset=True)}
        try:
            values = RuleIn(**values).model_dump()
        except ValidationError as exc:
            raise invalid_request(exc) from exc
        await _check_ids(values)
        for name, value in values.items():
            setattr(rule, name, value)
        if rule_id is None:
            session.add(rule)
    if not rule.enabled:  # a rule switched off leaves nothing firing behind
        await _resolve_all(Alert.rule_id == rule.id, f"rule {rule.name} was switched off")
    await engine().reload()
    return rule


async def delete_rule(rule_id: int) -> None:
    rule = await get_rule(rule_id)
    await _resolve_all(Alert.rule_id == rule_id, f"rule {rule.name} was removed")
    async with commander_state().db() as session, session.begin():
        await session.delete(await session.merge(rule))
    await engine().reload()


async def _resolve_all(where: Any, why: str) -> None:
    now = _now()
    async with commander_state().db() as session, session.begin():
        for alert in await session.scalars(select(Alert).where(where, Alert.state == "firing")):
            alert.state, alert.resolved_at = "resolved", now
            history.record(session, alert_id=alert.id, rule_id=alert.rule_id,
                           rig_id=alert.rig_id, state="resolved", message=why, at=now)


# -- alerts -----------------------------------------------------------------------------
def alert_out(alert: Alert) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": alert.id, "rule_id": alert.rule_id, "rig_id": alert.rig_id,
        "state": alert.state, "started_at": _iso(alert.started_at), "message": alert.message,
        "value": alert.value, "silenced": alert.silenced,
        "acknowledged_at": _iso(alert.acknowledged_at)}
    if alert.asic_ip is not None:
        out["asic_ip"] = alert.asic_ip
    if alert.resolved_at is not None:
        out["resolved_at"] = _iso(alert.resolved_at)
    return out


def pending_out() -> list[dict[str, Any]]:
    """Conditions holding but not yet for their rule's ``for_s`` (in memory, not stored)."""
    return [{"id": None, "rule_id": k[0], "rig_id": k[1], "state": "pending",
             "started_at": _iso(t.since), "message": "pending", "value": t.value}
            for k, t in engine().pending()]


async def list_alerts(state: str | None, limit: int = 500) -> list[Alert]:
    query = select(Alert).order_by(Alert.id.desc()).limit(limit)
    if state is not None:
        query = query.where(Alert.state == state)
    async with commander_state().db() as session:
        return list(await session.scalars(query))


async def acknowledge(alert_id: int) -> Alert:
    now = _now()
    async with commander_state().db() as session, session.begin():
        alert = await get_or_404(session, Alert, alert_id, "alert")
        if alert.acknowledged_at is None:
            alert.acknowledged_at = now
            history.record(session, alert_id=alert.id, rule_id=alert.rule_id,
                           rig_id=alert.rig_id, state="acknowledged",
                           message=f"acknowledged: {alert.message}", at=now)
    return alert


# -- silences ---------------------------------------------------------------------------
def silence_out(silence: AlertSilence) -> dict[str, Any]:
    return {"id": silence.id, "rig_id": silence.rig_id, "rule_id": silence.rule_id,
            "until": _iso(silence.until), "reason": silence.reason}


async def list_silences() -> list[AlertSilence]:
    async with commander_state().db() as session:
        return list(await session.scalars(select(AlertSilence).where(
            AlertSilence.until > _now()).order_by(AlertSilence.until)))


async def create_silence(data: SilenceIn) -> AlertSilence:
    await _check_ids({"rig_ids": [data.rig_id] if data.rig_id else []})
    if data.rule_id is not None:
        await get_rule(data.rule_id)
    async with commander_state().db() as session, session.begin():
        silence = AlertSilence(rig_id=data.rig_id, rule_id=data.rule_id, reason=data.reason,
                               until=_now() + timedelta(seconds=data.for_s))
        session.add(silence)
        if data.rig_id is not None or data.rule_id is not None:
            clauses = [c for c in (Alert.rig_id == data.rig_id if data.rig_id else None,
                                   Alert.rule_id == data.rule_id if data.rule_id else None)
                       if c is not None]
            await session.execute(update(Alert).where(Alert.state == "firing", *clauses)
                                  .values(silenced=True))
    await engine().reload()
    return silence


async def delete_silence(silence_id: int) -> None:
    async with commander_state().db() as session, session.begin():
        silence = await get_or_404(session, AlertSilence, silence_id, "silence")
        await session.delete(silence)
    await engine().reload()
