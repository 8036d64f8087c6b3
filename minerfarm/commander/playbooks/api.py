"""Admin API: ``/addresses``, ``/software`` and ``/rigs/{id}/playbooks`` (CRUD)."""

from __future__ import annotations

from typing import Any

from quart import Blueprint, request
from quart_schema import validate_request

from minerfarm.commander.api.ids import query_id
from minerfarm.commander.db.models import Address, MiningSoftware
from minerfarm.commander.playbooks import console, service, store
from minerfarm.commander.playbooks.schemas import (
    AddressIn,
    PlaybookApplyIn,
    PlaybookIn,
    SoftwareIn,
)
from minerfarm.commander.playbooks.suggested import playbook_template
from minerfarm.commander.rigs.service import get_rig

playbooks_api = Blueprint("playbooks_api", __name__, url_prefix="/api/v1")


def _crud(path: str, model: Any, schema: type[Any]) -> None:
    """Register list/create/get/replace/delete for one catalog table."""

    async def list_all() -> dict[str, Any]:
        return {path: [store.row_out(r) for r in await store.list_rows(model)]}

    async def create(data: Any) -> tuple[dict[str, Any], int]:
        return store.row_out(await store.save_row(model, data.model_dump())), 201

    async def get_one(row_id: int) -> dict[str, Any]:
        return store.row_out(await store.get_row(model, row_id))

    async def replace(row_id: int, data: Any) -> dict[str, Any]:
        return store.row_out(await store.save_row(model, data.model_dump(), row_id))

    async def delete(row_id: int) -> tuple[str, int]:
        await store.delete_row(model, row_id)
        return "", 204

    name = path.replace("-", "_")
    playbooks_api.add_url_rule(f"/{path}", f"list_{name}", list_all, methods=["GET"])
    playbooks_api.add_url_rule(f"/{path}", f"create_{name}", validate_request(schema)(create),
                             methods=["POST"])
    playbooks_api.add_url_rule(f"/{path}/<int:row_id>", f"get_{name}", get_one, methods=["GET"])
    playbooks_api.add_url_rule(f"/{path}/<int:row_id>", f"replace_{name}",
                             validate_request(schema)(replace), methods=["PUT"])
    playbooks_api.add_url_rule(f"/{path}/<int:row_id>", f"delete_{name}", delete,
                             methods=["DELETE"])


_crud("addresses", Address, AddressIn)
_crud("software", MiningSoftware, SoftwareIn)


def _playbook_out(playbook: Any) -> dict[str, Any]:
    return store.row_out(playbook)


@playbooks_api.get("/rigs/<int:rig_id>/playbooks")
async def list_playbooks(rig_id: int) -> dict[str, Any]:
    rig = await get_rig(rig_id)
    return {"revision": str(rig.playbook_revision),
            "playbooks": [_playbook_out(p) for p in await store.rig_playbooks(rig_id)]}


@playbooks_api.post("/rigs/<int:rig_id>/playbooks")
@validate_request(PlaybookIn)
async def create_playbook(rig_id: int, data: PlaybookIn) -> tuple[dict[str, Any], int]:
    await get_rig(rig_id)
    return _playbook_out(await service.save_checked(rig_id, data.model_dump())), 201


@playbooks_api.put("/rigs/<int:rig_id>/playbooks/<int:playbook_id>")
@validate_request(PlaybookIn)
async def replace_playbook(rig_id: int, playbook_id: int, data: PlaybookIn) -> dict[str, Any]:
    return _playbook_out(await service.save_checked(rig_id, data.model_dump(),
                                                             playbook_id))


@playbooks_api.delete("/rigs/<int:rig_id>/playbooks/<int:playbook_id>")
async def delete_playbook(rig_id: int, playbook_id: int) -> tuple[str, int]:
    await store.delete_playbook(rig_id, playbook_id)
    return "", 204


@playbooks_api.post("/playbooks/apply")
@validate_request(PlaybookApplyIn)
async def apply_playbook(data: PlaybookApplyIn) -> tuple[dict[str, Any], int]:
    """Add the same playbook to each of ``rig_ids`` (checked once; each revision bumps)."""
    playbooks = await service.apply_to_rigs(data.rig_ids, data.playbook.model_dump())
    return {"playbooks": [_playbook_out(p) for p in playbooks]}, 201


@playbooks_api.get("/software/<int:software_id>/playbook-template")
async def software_playbook_template(software_id: int) -> dict[str, Any]:
    """The playbook this catalog entry suggests, placeholders included."""
    software = await store.get_row(MiningSoftware, software_id)
    return {"software_id": software_id, "yaml": playbook_template(software)}


@playbooks_api.get("/rigs/<int:rig_id>/playbook-runs")
async def rig_playbook_runs(rig_id: int) -> dict[str, Any]:
    """The outcome of the last revision the rig's sentry applied, one entry per playbook."""
    await get_rig(rig_id)
    runs = (await service.last_runs([rig_id])).get(rig_id, [])
    return {"runs": [store.row_out(r) for r in runs]}


@playbooks_api.get("/rigs/<int:rig_id>/miner-logs")
async def rig_miner_logs(rig_id: int) -> dict[str, Any]:
    """The rig's miner console lines after ``after`` (an id), oldest first, at most ``limit``
    (default 500, at most 5000); without ``after`` the newest ``limit`` lines."""
    await get_rig(rig_id)
    limit = min(max(request.args.get("limit", 500, type=int) or 500, 1), 5000)
    after = query_id(request.args)
    lines = await (console.lines_after(rig_id, after, limit) if after is not None
                   else console.newest_lines(rig_id, limit))
    return {"lines": [console.line_out(line) for line in lines]}
