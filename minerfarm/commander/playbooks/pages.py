"""Playbook pages: the templates (pool and wallet addresses, the mining software catalog), a
rig's playbooks (choose the software, edit its template, pick address templates), one playbook
applied to many rigs, each rig's last playbook run, and the live console of a rig's miners (a
websocket fed by ``topics.miner_logs``)."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import orjson
from pydantic import ValidationError
from quart import Blueprint, redirect, render_template, request, url_for, websocket
from sqlalchemy import select

from minerfarm.commander import topics
from minerfarm.commander.api.ids import query_id
from minerfarm.commander.db.models import Address, MiningSoftware, Playbook, Rig
from minerfarm.commander.errors import ApiError, validation_message
from minerfarm.commander.pages import gone
from minerfarm.commander.pages.bulk import chosen_from_form
from minerfarm.commander.pages.live import logged_in_only
from minerfarm.commander.playbooks import console, flightsheet, service, store
from minerfarm.commander.playbooks.schemas import AddressIn, PlaybookIn, SoftwareIn, Strict
from minerfarm.commander.playbooks.suggested import playbook_template
from minerfarm.commander.rigs import service as rigs
from minerfarm.commander.state import commander_state
from minerfarm.protocol.playbooks import PLACEHOLDERS, placeholder

playbook_pages = Blueprint("playbook_pages", __name__, template_folder="templates")
LOG_LINES = 200
# Each catalog table: its model, the API's body schema (the one validation) and the form's
# fields, in the order the form shows them.
CATALOG_FORMS: dict[str, tuple[Any, type[Strict], tuple[str, ...]]] = {
    "addresses": (Address, AddressIn, ("type", "coin", "label", "value")),
    "software": (MiningSoftware, SoftwareIn, ("name", "version", "download_url", "sha256",
                                              "executable_template", "api_kind", "api_port")),
}
KINDS = "any(addresses, software)"
MISSING_SHA256 = ("the sentry refuses to install it until you fill in the checksum the "
                  "project publishes")


async def _choices(draft: dict[str, Any]) -> dict[str, Any]:
    """The form's options, and the flight sheet of a saved playbook read back into ``draft``
    (its coin, wallet and pool from its address templates)."""
    software = await store.list_rows(MiningSoftware)
    addresses = await store.list_rows(Address)
    if "coin" not in draft:
        picked = [a for a in addresses if a.id in (draft.get("address_ids") or [])]
        by_type = {a.type: a for a in picked}
        draft.update(coin=picked[0].coin if picked else "", extra_args="",
                     wallet_id=by_type["wallet"].id if "wallet" in by_type else None,
                     pool_id=by_type["pool"].id if "pool" in by_type else None)
    return {
        "software": software, "addresses": addresses,
        "flight": flightsheet.options(addresses, software),
        "placeholders": [(placeholder(n), h) for n, h in PLACEHOLDERS.items()],
    }


def _form_id(text: str | None) -> int | None:
    return int(text) if text and text.isdigit() and len(text) < 19 else None


async def _form_values() -> tuple[dict[str, Any], list[int]]:
    form = await request.form
    values: dict[str, Any] = {
        "name": form.get("name", "").strip(),
        "software_id": _form_id(form.get("software_id")),
        "yaml": form.get("yaml", "").replace("\r\n", "\n"),
        "address_ids": [int(i) for i in form.getlist("address_ids") if i.isdigit()],
        "coin": form.get("coin", "").strip(),
        "wallet_id": _form_id(form.get("wallet_id")),
        "pool_id": _form_id(form.get("pool_id")),
        "extra_args": form.get("extra_args", "").strip()[:1024],
        "generate": form.get("action") == "generate",
    }
    if values["wallet_id"] or values["pool_id"]:  # the flight sheet picks the addresses
        values["address_ids"] = [i for i in (values["wallet_id"], values["pool_id"]) if i]
    return values, [int(i) for i in form.getlist("rig_ids") if i.isdigit()]


def _checked(values: dict[str, Any]) -> dict[str, Any]:
    return PlaybookIn(**{k: values[k] for k in PlaybookIn.model_fields}).model_dump()


async def _optional_row(model: Any, row_id: int | None) -> Any:
    if row_id is None:
        return None
    with contextlib.suppress(ApiError):
        return await store.get_row(model, row_id)
    return None


async def _flight(values: dict[str, Any]) -> bool:
    """Apply the flight sheet to ``values``: checked whenever a coin is chosen (or the user
    asked to generate); the playbook generated when asked or when the YAML box is empty, an
    admin's own YAML kept otherwise. True: only generated, to be looked at before saving."""
    if not (values["coin"] or values["generate"]):
        return False
    software = await _optional_row(MiningSoftware, values["software_id"])
    problem = flightsheet.check(values["coin"], await _optional_row(Address, values["wallet_id"]),
                                await _optional_row(Address, values["pool_id"]), software)
    if problem:
        raise ApiError(422, "invalid_flight_sheet", f"Flight sheet: {problem}.")
    if values["generate"] or not values["yaml"].strip():
        values["yaml"] = flightsheet.generate(software, values["extra_args"])
        values["name"] = values["name"] or f"{software.name} {values['coin']}"
    if values["generate"]:
        values["notice"] = "Generated from the flight sheet: check the playbook, then save."
    return bool(values["generate"])


def _error_of(exc: Exception) -> tuple[str, int]:
    if isinstance(exc, ValidationError):
        return validation_message(exc)[0], 422
    assert isinstance(exc, ApiError)
    return exc.message, exc.status


async def _draft(software_id: str | None) -> dict[str, Any]:
    """A new playbook's form: the chosen catalog entry's template."""
    if software_id and software_id.isdigit():
        with contextlib.suppress(ApiError):
            software = await store.get_row(MiningSoftware, int(software_id))
            return {"name": f"{software.name} {software.version}", "software_id": software.id,
                    "yaml": playbook_template(software), "address_ids": []}
    return {"name": "", "software_id": None, "yaml": "", "address_ids": []}


# -- templates: addresses and the software catalog ----------------------------------------

async def _templates_page(kind: str | None = None, values: dict[str, str] | None = None,
                          errors: dict[str, str] | None = None, error: str | None = None,
                          status: int = 200) -> Any:
    """The list of both tables with their "add" forms; ``kind``'s form shows ``values``."""
    page = await render_template(
        "playbooks/templates.html", addresses=await store.list_rows(Address),
        software=await store.list_rows(MiningSoftware), kind=kind, values=values or {},
        errors=errors or {}, error=error, missing_sha256=MISSING_SHA256)
    return page, status


async def _edit_template_page(kind: str, row_id: int, values: dict[str, str],
                              errors: dict[str, str] | None = None, error: str | None = None,
                              status: int = 200) -> Any:
    page = await render_template("playbooks/template_edit.html", kind=kind, row_id=row_id,
                                 values=values, errors=errors or {}, error=error,
                                 missing_sha256=MISSING_SHA256)
    return page, status


async def _catalog_values(kind: str) -> dict[str, str]:
    """What was typed, as typed (shown again on an error); the schema converts it."""
    form = await request.form
    return {f: form.get(f, "").replace("\r\n", "\n").strip() for f in CATALOG_FORMS[kind][2]}


def _field_errors(kind: str, exc: ValidationError) -> dict[str, str]:
    """Each field's first problem. AddressIn checks the value against the type as a whole
    (a pool is host:port, a wallet is not), so a whole-body error belongs next to the value."""
    fields = CATALOG_FORMS[kind][2]
    errors: dict[str, str] = {}
    for item in exc.errors(include_url=False, include_input=False):
        name = str(item["loc"][0]) if item["loc"] else ""
        if name not in fields:
            name = "value" if kind == "addresses" else ""  # "": shown above the form
        errors.setdefault(name, str(item["msg"]).removeprefix("Value error, "))
    return errors


class _Refused(Exception):
    """A form that was not saved: what was typed, the field errors, a message, the status."""

    def __init__(self, values: dict[str, str], errors: dict[str, str], error: str | None,
                 status: int) -> None:
        super().__init__(error)
        self.values, self.errors, self.error, self.status = values, errors, error, status


async def _save_template(kind: str, row_id: int | None) -> None:
    """Save the posted form, or raise _Refused with what was typed and what is wrong."""
    model, schema, _ = CATALOG_FORMS[kind]
    values = await _catalog_values(kind)
    try:
        await store.save_row(model, schema(**values).model_dump(), row_id)
    except ValidationError as exc:
        raise _Refused(values, _field_errors(kind, exc), None, 422) from exc
    except ApiError as exc:  # 409: the same name and version exists; 404: deleted meanwhile
        raise _Refused(values, {}, exc.message, exc.status) from exc


@playbook_pages.get("/templates")
async def templates() -> Any:
    return await _templates_page()


@playbook_pages.post(f"/templates/<{KINDS}:kind>")
async def create_template(kind: str) -> Any:
    try:
        await _save_template(kind, None)
    except _Refused as no:
        return await _templates_page(kind, no.values, no.errors, no.error, no.status)
    return redirect(url_for("playbook_pages.templates", done="saved"))


@playbook_pages.get(f"/templates/<{KINDS}:kind>/<int:row_id>")
async def edit_template(kind: str, row_id: int) -> Any:
    model, _, fields = CATALOG_FORMS[kind]
    row = await store.get_row(model, row_id)  # gone: the error page says so
    return await _edit_template_page(kind, row_id, {f: str(getattr(row, f)) for f in fields})


@playbook_pages.post(f"/templates/<{KINDS}:kind>/<int:row_id>")
async def save_template(kind: str, row_id: int) -> Any:
    try:
        await _save_template(kind, row_id)
    except _Refused as no:
        return await _edit_template_page(kind, row_id, no.values, no.errors, no.error,
                                         no.status)
    return redirect(url_for("playbook_pages.templates", done="saved"))


@playbook_pages.post(f"/templates/<{KINDS}:kind>/<int:row_id>/delete")
async def delete_template(kind: str, row_id: int) -> Any:
    try:
        await store.delete_row(CATALOG_FORMS[kind][0], row_id)
    except ApiError as exc:
        if exc.status != 404:  # 409: playbooks use it; 404: already gone, as the user wanted
            return await _templates_page(error=f"Not deleted: {exc.message}.",
                                         status=exc.status)
    return redirect(url_for("playbook_pages.templates", done="deleted"))


# -- one rig -------------------------------------------------------------------------------

async def _rig_page(rig: Rig, draft: dict[str, Any], error: str | None = None,
                    status: int = 200) -> Any:
    runs = (await service.last_runs([rig.id])).get(rig.id, [])
    page = await render_template(
        "playbooks/rig.html", rig=rig, playbooks=await store.rig_playbooks(rig.id),
        runs=runs, draft=draft, error=error, **await _choices(draft))
    return page, status


@playbook_pages.get("/rigs/<int:rig_id>/playbooks")
async def rig_playbooks(rig_id: int) -> Any:
    try:
        rig = await rigs.get_rig(rig_id)
    except ApiError:
        return await gone.rig_gone(rig_id)
    return await _rig_page(rig, await _draft(request.args.get("software_id")))


@playbook_pages.post("/rigs/<int:rig_id>/playbooks")
async def create_playbook(rig_id: int) -> Any:
    rig = await rigs.get_rig(rig_id)
    values, _ = await _form_values()
    try:
        if await _flight(values):
            return await _rig_page(rig, values)
        await service.save_checked(rig_id, _checked(values))
    except (ValidationError, ApiError) as exc:
        return await _rig_page(rig, values, *_error_of(exc))
    return redirect(url_for("playbook_pages.rig_playbooks", rig_id=rig_id,
                            done="playbook-saved"))


async def _playbook(rig_id: int, playbook_id: int) -> Playbook:
    async with commander_state().db() as session:
        playbook = await session.get(Playbook, playbook_id)
    if playbook is None or playbook.rig_id != rig_id:
        raise ApiError(404, "not_found", f"rig {rig_id} has no playbook {playbook_id}")
    return playbook


async def _edit_page(rig: Rig, playbook_id: int, draft: dict[str, Any],
                     error: str | None = None, status: int = 200) -> Any:
    page = await render_template("playbooks/edit.html", rig=rig, playbook_id=playbook_id,
                                 draft=draft, error=error, **await _choices(draft))
    return page, status


@playbook_pages.get("/rigs/<int:rig_id>/playbooks/<int:playbook_id>")
async def edit_playbook(rig_id: int, playbook_id: int) -> Any:
    try:
        rig = await rigs.get_rig(rig_id)
    except ApiError:
        return await gone.rig_gone(rig_id)
    playbook = await _playbook(rig_id, playbook_id)
    return await _edit_page(rig, playbook_id, store.row_out(playbook))


@playbook_pages.post("/rigs/<int:rig_id>/playbooks/<int:playbook_id>")
async def save_playbook(rig_id: int, playbook_id: int) -> Any:
    rig = await rigs.get_rig(rig_id)
    values, _ = await _form_values()
    try:
        if await _flight(values):
            return await _edit_page(rig, playbook_id, values)
        await service.save_checked(rig_id, _checked(values), playbook_id)
    except (ValidationError, ApiError) as exc:
        return await _edit_page(rig, playbook_id, values, *_error_of(exc))
    return redirect(url_for("playbook_pages.rig_playbooks", rig_id=rig_id,
                            done="playbook-saved"))


@playbook_pages.post("/rigs/<int:rig_id>/playbooks/<int:playbook_id>/delete")
async def delete_playbook(rig_id: int, playbook_id: int) -> Any:
    with contextlib.suppress(ApiError):  # already gone: the list is where the user was going
        await store.delete_playbook(rig_id, playbook_id)
    return redirect(url_for("playbook_pages.rig_playbooks", rig_id=rig_id,
                            done="playbook-deleted"))


# -- every rig -----------------------------------------------------------------------------

async def _index_page(draft: dict[str, Any], chosen: list[int], error: str | None = None,
                      status: int = 200) -> Any:
    async with commander_state().db() as session:
        all_rigs = list(await session.scalars(
            select(Rig).where(Rig.kind == "cpu_gpu").order_by(Rig.name)))
        playbooks = list(await session.scalars(select(Playbook).order_by(Playbook.id)))
    by_rig: dict[int, list[Playbook]] = {}
    for playbook in playbooks:
        by_rig.setdefault(playbook.rig_id, []).append(playbook)
    runs = await service.last_runs([r.id for r in all_rigs])
    page = await render_template("playbooks/index.html", rigs=all_rigs, by_rig=by_rig,
                                 runs=runs, draft=draft, chosen=chosen, error=error,
                                 **await _choices(draft))
    return page, status


@playbook_pages.get("/playbooks")
async def index() -> Any:
    return await _index_page(await _draft(request.args.get("software_id")), [])


@playbook_pages.post("/playbooks/choose")
async def choose() -> Any:
    """From the rig index's bulk action: the apply form, with the chosen rigs ticked."""
    picked = await chosen_from_form()
    return await _index_page(await _draft(None), [d.id for d in picked],
                             None if picked else "No rig was chosen: tick some on the rig "
                             "index first, or tick them below.")


@playbook_pages.post("/playbooks/apply")
async def apply() -> Any:
    values, rig_ids = await _form_values()
    try:
        if await _flight(values):
            return await _index_page(values, rig_ids)
        if not rig_ids:
            raise ApiError(422, "invalid_playbook", "pick at least one rig")
        await service.apply_to_rigs(rig_ids, _checked(values))
    except (ValidationError, ApiError) as exc:
        return await _index_page(values, rig_ids, *_error_of(exc))
    return redirect(url_for("playbook_pages.index", done="applied"))


# -- miner console -------------------------------------------------------------------------

@playbook_pages.get("/rigs/<int:rig_id>/miner-logs")
async def miner_logs(rig_id: int) -> Any:
    try:
        rig = await rigs.get_rig(rig_id)
    except ApiError:
        return await gone.rig_gone(rig_id)
    lines = await console.newest_lines(rig_id, LOG_LINES)
    return await render_template("playbooks/logs.html", rig=rig,
                                 lines=[console.line_out(line) for line in lines],
                                 last_id=lines[-1].id if lines else 0)


@playbook_pages.websocket("/rigs/<int:rig_id>/miner-logs/ws")
async def miner_logs_live(rig_id: int) -> None:
    """New console lines as JSON arrays; ``?after=ID`` is the last line the page shows."""
    after = query_id(websocket.args) or 0  # a mangled link: from 0
    await websocket.accept()
    await logged_in_only(_follow_console(rig_id, after))


async def _follow_console(rig_id: int, after: int) -> None:
    async with commander_state().pubsub.subscribe([topics.miner_logs(rig_id)],
                                                  maxsize=32) as updates:
        while True:
            lines = await console.lines_after(rig_id, after, 500)
            if lines:
                after = lines[-1].id
                await websocket.send(orjson.dumps([console.line_out(x) for x in lines]).decode())
            if len(lines) < 500:
                await _next_message(updates)


async def _next_message(updates: Any) -> None:
    async for _message in updates:
        return
    await asyncio.sleep(1)  # a subscription never ends by itself; no busy loop if it did
