"""Browser pages. Every form carries the CSRF token; every page needs the admin session."""

from __future__ import annotations

import contextlib
from typing import Any
from urllib.parse import urlsplit

from pydantic import ValidationError
from quart import Blueprint, redirect, render_template, request, url_for
from quart_auth import current_user, login_user, logout_user
from werkzeug.wrappers import Response as WerkzeugResponse

from minerfarm.commander import rigs
from minerfarm.commander.api.schemas import RigCreate, RigRename
from minerfarm.commander.auth.csrf import csrf_ok
from minerfarm.commander.auth.sessions import AdminUser, close_session, open_session
from minerfarm.commander.errors import ApiError, validation_message
from minerfarm.commander.pages import formatting
from minerfarm.commander.state import commander_state

pages = Blueprint("pages", __name__, template_folder="templates", static_folder="static",
                  static_url_path="/static/pages")


formatting.install(pages)


def _safe_next(target: str | None) -> str:
    """Only same-site paths: a login link must not redirect to another site."""
    if not target:
        return url_for("pages.index")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return url_for("pages.index")
    return target


@pages.route("/login", methods=["GET", "POST"])
async def login() -> Any:
    error, status = None, 200
    if request.method == "POST":
        state, address = commander_state(), request.remote_addr or "?"
        wait = state.limiter.retry_after(address)
        form = await request.form
        if not await csrf_ok():
            error, status = "Your form expired; please try again.", 403
        elif wait > 0:
            error, status = f"Too many failed attempts. Try again in {wait:.0f} s.", 429
        elif state.password.verify(form.get("password", "")):
            state.limiter.succeeded(address)
            session_id = await open_session(request.headers.get("User-Agent"))
            login_user(AdminUser(session_id), remember=True)
            return redirect(_safe_next(request.args.get("next")))
        else:
            state.limiter.failed(address)
            error, status = "Wrong password.", 401
    page = await render_template("login.html", error=error, next=request.args.get("next", ""))
    headers = {}
    if status == 429:
        headers["Retry-After"] = str(round(commander_state().limiter.retry_after(
            request.remote_addr or "?")))
    return page, status, headers


@pages.post("/logout")
async def logout() -> WerkzeugResponse:
    await close_session(current_user.auth_id)
    logout_user()
    return redirect(url_for("pages.login"))


@pages.post("/rigs")
async def add_rig() -> Any:
    form = await request.form
    try:
        data = RigCreate(name=form.get("name", ""), kind=form.get("kind", "cpu_gpu"))
        rig, token = await rigs.create_rig(data.name, data.kind)
    except ValidationError as exc:
        return await _rigs_with_error(validation_message(exc)[0], 422)
    except ApiError as exc:
        return await _rigs_with_error(exc.message, exc.status)
    return await render_template("token.html", rig=rig, token=token,
                                 fingerprint=commander_state().fingerprint.hex())


async def _rigs_with_error(message: str, status: int) -> tuple[str, int]:
    from minerfarm.commander.pages.dashboard import render_index

    return await render_index("cpu_gpu", error=message), status


@pages.post("/rigs/<int:rig_id>/rename")
async def rename_rig(rig_id: int) -> Any:
    form = await request.form
    try:
        data = RigRename(name=form.get("name", ""))
        await rigs.rename_rig(rig_id, data.name)
    except ValidationError as exc:
        return await _rig_with_error(rig_id, validation_message(exc)[0], 422)
    except ApiError as exc:
        return await _rig_with_error(rig_id, exc.message, exc.status)
    return redirect(url_for("pages.rig_detail", rig_id=rig_id))


async def _rig_with_error(rig_id: int, message: str, status: int) -> Any:
    from minerfarm.commander.pages.dashboard import render_rig

    return await render_rig(rig_id, error=message, status=status)


@pages.post("/rigs/<int:rig_id>/delete")
async def delete_rig(rig_id: int) -> WerkzeugResponse:
    with contextlib.suppress(ApiError):  # already gone: the list is where the user was going
        await rigs.delete_rig(rig_id)
    return redirect(url_for("pages.index"))


@pages.post("/rigs/<int:rig_id>/token")
async def regenerate_token(rig_id: int) -> Any:
    rig, token = await rigs.regenerate_token(rig_id)
    return await render_template("token.html", rig=rig, token=token,
                                 fingerprint=commander_state().fingerprint.hex())
