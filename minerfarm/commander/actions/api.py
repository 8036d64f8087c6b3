"""Admin API of remote actions: ask a rig for one, read a rig's action history, and ask many
rigs at once. Refusals use the one error shape: 429 (``limited``, ``gave_up``, with
``Retry-After``), 409 (``not_a_cpu_gpu_rig``, ``not_supported``), 404 (``no_such_rig``)."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, model_validator
from quart import Blueprint, g
from quart_schema import validate_request

from minerfarm.commander.actions.service import ActionRequest
from minerfarm.commander.errors import ApiError, retry_after_s
from minerfarm.commander.rigs.service import get_rig
from minerfarm.commander.state import commander_state
from minerfarm.protocol.actions import MINER_MAX, ActionKind
from minerfarm.protocol.bounds import Clean, RowIdValue

actions_api = Blueprint("actions_api", __name__, url_prefix="/api/v1")
STATUS = {"limited": 429, "gave_up": 429, "not_a_cpu_gpu_rig": 409, "not_supported": 409,
          "no_such_rig": 404}


class ActionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: ActionKind
    # restart_miner: the miner's playbook id (absent: every miner of the rig)
    miner: Annotated[str, Field(min_length=1, max_length=MINER_MAX, pattern=r"^[0-9]+$"),
                     Clean] | None = None

    @model_validator(mode="after")
    def _miner_only_to_restart(self) -> ActionIn:
        if self.miner is not None and self.kind != "restart_miner":
            raise ValueError("miner: only a restart_miner action names a miner")
        return self


class BulkActionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: ActionKind
    rig_ids: list[RowIdValue] = Field(min_length=1, max_length=1000)


def requested_by(where: str) -> str:
    return f"admin ({where}, {'HTTP Basic' if g.get('auth') == 'basic' else 'session'})"


def refusal_error(result: ActionRequest) -> ApiError:
    assert result.refusal is not None
    details: dict[str, Any] = {}
    if result.retry_after_s is not None:
        details["retry_after"] = retry_after_s(result.retry_after_s)
    return ApiError(STATUS[result.refusal], result.refusal, result.message, **details)


def result_out(result: ActionRequest) -> dict[str, Any]:
    return {"rig_id": result.rig_id, "kind": result.kind, "accepted": result.accepted,
            "refusal": result.refusal, "message": result.message, "action": result.action,
            "retry_after_s": result.retry_after_s}


@actions_api.post("/rigs/<int:rig_id>/actions")
@validate_request(ActionIn)
async def request_action(rig_id: int, data: ActionIn) -> tuple[dict[str, Any], int]:
    """Send the rig an action (202: stored and on its way; see its history for the outcome)."""
    result = await commander_state().actions.request(
        rig_id, data.kind, requested_by=requested_by("API"), miner=data.miner)
    if not result.accepted:
        raise refusal_error(result)
    assert result.action is not None
    return {"action": result.action, "message": result.message}, 202


@actions_api.get("/rigs/<int:rig_id>/actions")
async def rig_actions(rig_id: int) -> dict[str, Any]:
    """The rig's action history (the audit log), newest first, and the kinds its sentry runs
    (``null``: it never said: an older sentry)."""
    await get_rig(rig_id)
    service = commander_state().actions
    kinds = await service.kinds(rig_id)
    return {"actions": await service.history(rig_id, 200),
            "sentry_kinds": sorted(kinds) if kinds is not None else None}


@actions_api.post("/actions")
@validate_request(BulkActionIn)
async def request_actions(data: BulkActionIn) -> dict[str, Any]:
    """The same action for each of ``rig_ids``; one result per rig (refusals included)."""
    results = await commander_state().actions.request_many(
        data.rig_ids, data.kind, requested_by=requested_by("API, bulk"))
    return {"results": [result_out(r) for r in results]}
