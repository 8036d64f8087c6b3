"""Admin API of the alerts (protocol.md "Alerts"): ``/channels``, ``/alert-rules``,
``/alerts``; additive: ``/alerts/{id}/acknowledge`` and ``/silences``."""

from __future__ import annotations

from typing import Any

from quart import Blueprint, request
from quart_schema import validate_request

from minerfarm.commander.alerts import store
from minerfarm.commander.alerts.schemas import ChannelIn, RuleIn, RulePatch, SilenceIn
from minerfarm.commander.errors import ApiError

alerts_api = Blueprint("alerts_api", __name__, url_prefix="/api/v1")
STATES = ("pending", "firing", "resolved")


@alerts_api.get("/channels")
async def list_channels() -> dict[str, Any]:
    return {"channels": [store.channel_out(c) for c in await store.list_channels()]}


@alerts_api.post("/channels")
@validate_request(ChannelIn)
async def create_channel(data: ChannelIn) -> tuple[dict[str, Any], int]:
    return {"channel": store.channel_out(await store.create_channel(data))}, 201


@alerts_api.get("/channels/<int:channel_id>")
async def get_channel(channel_id: int) -> dict[str, Any]:
    return {"channel": store.channel_out(await store.get_channel(channel_id))}


@alerts_api.delete("/channels/<int:channel_id>")
async def delete_channel(channel_id: int) -> tuple[str, int]:
    await store.delete_channel(channel_id)
    return "", 204


@alerts_api.post("/channels/<int:channel_id>/test")
async def test_channel(channel_id: int) -> dict[str, Any]:
    error = await store.test_channel(channel_id)
    if error is not None:
        raise ApiError(502, "channel_failed", f"the channel refused the test message: {error}")
    return {"sent": True}


@alerts_api.get("/alert-rules")
async def list_rules() -> dict[str, Any]:
    return {"rules": [store.rule_out(r) for r in await store.list_rules()]}


@alerts_api.post("/alert-rules")
@validate_request(RuleIn)
async def create_rule(data: RuleIn) -> tuple[dict[str, Any], int]:
    return {"rule": store.rule_out(await store.save_rule(data))}, 201


@alerts_api.get("/alert-rules/<int:rule_id>")
async def get_rule(rule_id: int) -> dict[str, Any]:
    return {"rule": store.rule_out(await store.get_rule(rule_id))}


@alerts_api.patch("/alert-rules/<int:rule_id>")
@validate_request(RulePatch)
async def change_rule(rule_id: int, data: RulePatch) -> dict[str, Any]:
    return {"rule": store.rule_out(await store.save_rule(data, rule_id))}


@alerts_api.delete("/alert-rules/<int:rule_id>")
async def delete_rule(rule_id: int) -> tuple[str, int]:
    await store.delete_rule(rule_id)
    return "", 204


@alerts_api.get("/alerts")
async def list_alerts() -> dict[str, Any]:
    """``?state=pending|firing|resolved``; newest first, at most 500 stored ones."""
    state = request.args.get("state")
    if state is not None and state not in STATES:
        raise ApiError(422, "invalid_request", f"state: one of {', '.join(STATES)}")
    pending = store.pending_out() if state in (None, "pending") else []
    stored = [] if state == "pending" else await store.list_alerts(state)
    return {"alerts": pending + [store.alert_out(a) for a in stored]}


@alerts_api.post("/alerts/<int:alert_id>/acknowledge")
async def acknowledge(alert_id: int) -> dict[str, Any]:
    return {"alert": store.alert_out(await store.acknowledge(alert_id))}


@alerts_api.get("/silences")
async def list_silences() -> dict[str, Any]:
    return {"silences": [store.silence_out(s) for s in await store.list_silences()]}


@alerts_api.post("/silences")
@validate_request(SilenceIn)
async def create_silence(data: SilenceIn) -> tuple[dict[str, Any], int]:
    return {"silence": store.silence_out(await store.create_silence(data))}, 201


@alerts_api.delete("/silences/<int:silence_id>")
async def delete_silence(silence_id: int) -> tuple[str, int]:
    await store.delete_silence(silence_id)
    return "", 204


@alerts_api.get("/alert-engine")
async def engine_figures() -> dict[str, Any]:
    """What the engine has done since start: ticks, CPU seconds they took, notifications."""
    engine = store.engine()
    return {"ticks": engine.ticks, "cpu_s": round(engine.cpu_s, 3),
            "rules": len(engine.rules), "tracked": len(engine.tracks),
            "notifications_sent": engine.notifier.sent,
            "notifications_failed": engine.notifier.failed}
