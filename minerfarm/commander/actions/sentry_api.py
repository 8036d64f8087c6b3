"""The sentry's acknowledgement of an action: ``POST /api/v1/sentry/actions/{id}``. Added to
the sentry blueprint by :func:`register` (the rig's token is checked before, ``g.rig``)."""

from __future__ import annotations

from typing import Any

from quart import Blueprint, g
from quart_schema import validate_request

from minerfarm.commander.errors import ApiError
from minerfarm.commander.state import commander_state
from minerfarm.protocol.actions import ActionAck


def register(sentry_api: Blueprint) -> None:
    sentry_api.add_url_rule("/actions/<int:action_id>", view_func=acknowledge_action,
                            methods=["POST"])


@validate_request(ActionAck)
async def acknowledge_action(action_id: int, data: ActionAck) -> dict[str, Any]:
    """The outcome of one action on the rig; sending it again changes nothing."""
    stored = await commander_state().actions.acknowledge(g.rig.id, action_id, data)
    if stored is None:
        raise ApiError(404, "not_found", f"this rig has no action {action_id}")
    return {"id": action_id, "status": stored["status"]}
