"""Rig forms: add a rig (its token shown once), rename, delete, a new token, its tags."""

from __future__ import annotations

import contextlib
from typing import Any

from pydantic import ValidationError
from quart import redirect, render_template, request, url_for
from werkzeug.wrappers import Response as WerkzeugResponse

from minerfarm.commander.api.schemas import RigCreate, RigRename
from minerfarm.commander.db.models import Rig
from minerfarm.commander.errors import ApiError, validation_message
from minerfarm.commander.pages import fragments
from minerfarm.commander.pages.dashboard import render_index, render_rig
from minerfarm.commander.pages.routes import Routes
from minerfarm.commander.rigs import service as rigs
from minerfarm.commander.state import commander_state
from minerfarm.commander.tags import store as tags
from minerfarm.commander.tags.rules import TagError, split

routes = Routes()


@routes.post("/rigs")
async def add_rig() -> Any:
    form = await request.form
    try:
        data = RigCreate(name=form.get("name", ""), kind=form.get("kind", "cpu_gpu"))
        rig, token = await rigs.create_rig(data.name, data.kind)
    except ValidationError as exc:
        return await _rigs_with_error(validation_message(exc)[0], 422)
    except ApiError as exc:
        return await _rigs_with_error(exc.message, exc.status)
    what = "ASIC sentry" if rig.kind == "asic" else "Rig"
    return await _token_page(rig, token, f"{what} added.")


def commander_url() -> tuple[str, bool]:
    """The commander's URL for a sentry's ``enroll``: ``MINERFARM_PUBLIC_URL`` when set (True),
    else the address this browser used (False: the page suggests setting it)."""
    public = commander_state().settings.public_url.strip().rstrip("/")
    if public:
        return public, True
    return f"https://{request.host}", False


async def _token_page(rig: Rig, token: str, notice: str) -> str:
    url, is_public = commander_url()
    return await render_template("token.html", rig=rig, token=token, notice=notice,
                                 commander_url=url, public_url_set=is_public,
                                 fingerprint=commander_state().fingerprint.hex())


async def _rigs_with_error(message: str, status: int) -> tuple[str, int]:
    return await render_index("cpu_gpu", error=message), status


@routes.post("/rigs/<int:rig_id>/rename")
async def rename_rig(rig_id: int) -> Any:
    form = await request.form
    try:
        data = RigRename(name=form.get("name", ""))
        await rigs.rename_rig(rig_id, data.name)
    except ValidationError as exc:
        return await _rig_with_error(rig_id, validation_message(exc)[0], 422)
    except ApiError as exc:
        return await _rig_with_error(rig_id, exc.message, exc.status)
    return redirect(url_for("pages.rig_detail", rig_id=rig_id, done="renamed"))


async def _rig_with_error(rig_id: int, message: str, status: int, **typed: str) -> Any:
    return await render_rig(rig_id, error=message, status=status, **typed)


@routes.post("/rigs/<int:rig_id>/tags")
async def set_rig_tags(rig_id: int) -> Any:
    typed = (await request.form).get("tags", "")
    try:
        await tags.set_tags(rig_id, split(typed))
    except TagError as exc:
        return await _rig_with_error(rig_id, f"Tags not saved: {exc}.", 422, tags_typed=typed)
    except ApiError as exc:
        return await _rig_with_error(rig_id, exc.message, exc.status)
    return redirect(url_for("pages.rig_detail", rig_id=rig_id))


@routes.post("/rigs/<int:rig_id>/delete")
async def delete_rig(rig_id: int) -> WerkzeugResponse:
    digest = fragments.aggregator().rigs.get(rig_id)
    with contextlib.suppress(ApiError):  # already gone: the list is where the user was going
        await rigs.delete_rig(rig_id)
    if digest is not None and digest.kind == "asic":
        return redirect(url_for("pages.asic_index", done="asic-sentry-deleted"))
    return redirect(url_for("pages.index", done="rig-deleted"))


@routes.post("/rigs/<int:rig_id>/token")
async def regenerate_token(rig_id: int) -> Any:
    rig, token = await rigs.regenerate_token(rig_id)
    return await _token_page(rig, token, "New token made: the old one no longer works.")
