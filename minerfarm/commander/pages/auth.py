"""Login and logout. Every form carries the CSRF token; every other page needs the session."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from quart import redirect, render_template, request, url_for
from quart_auth import current_user, login_user, logout_user
from werkzeug.wrappers import Response as WerkzeugResponse

from minerfarm.commander.auth.csrf import csrf_ok
from minerfarm.commander.auth.password import PasswordCheckBusy
from minerfarm.commander.auth.sessions import AdminUser, close_session, open_session
from minerfarm.commander.errors import retry_after_s
from minerfarm.commander.pages.routes import Routes
from minerfarm.commander.state import commander_state

routes = Routes()


def _safe_next(target: str | None) -> str:
    """Only same-site paths: a login link must not redirect to another site. Browsers read
    ``\\`` as ``/`` (``/\\evil.example`` is ``//evil.example``) and drop tabs and newlines, so
    any of those, or any other control character, sends the admin home instead."""
    if not target:
        return url_for("pages.index")
    parts = urlsplit(target)
    if (parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//")
            or "\\" in target or any(ord(c) < 0x20 or ord(c) == 0x7F for c in target)):
        return url_for("pages.index")
    return target


@routes.route("/login", methods=("GET", "POST"))
async def login() -> Any:
    error, status, headers = None, 200, {}
    if request.method == "POST":
        outcome = await _attempt()
        if not isinstance(outcome, tuple):
            return outcome  # logged in: the redirect
        error, status, wait = outcome
        if status == 429:
            headers["Retry-After"] = str(retry_after_s(wait))
    page = await render_template("login.html", error=error, next=request.args.get("next", ""))
    return page, status, headers


async def _attempt() -> Any:
    """A posted login form: the redirect into the dashboard, or (what to tell the user,
    status, seconds to wait)."""
    state, address = commander_state(), request.remote_addr or "?"
    wait = await state.limiter.retry_after(address)
    form = await request.form
    if not await csrf_ok():
        return "Your form expired; please try again.", 403, 0.0
    if wait > 0:
        return f"Too many failed attempts. Try again in {retry_after_s(wait)} s.", 429, wait
    try:
        right = await state.password.verify(form.get("password", ""))
    except PasswordCheckBusy:
        return "Many logins are being checked right now; try again in a second.", 429, 1.0
    if not right:
        await state.limiter.failed(address)
        return "Wrong password.", 401, 0.0
    await state.limiter.succeeded(address)
    session_id = await open_session(request.headers.get("User-Agent"))
    login_user(AdminUser(session_id), remember=True)
    return redirect(_safe_next(request.args.get("next")))


@routes.post("/logout")
async def logout() -> WerkzeugResponse:
    await close_session(current_user.auth_id)
    logout_user()
    return redirect(url_for("pages.login", done="logged-out"))
