"""The gate in front of every route: the admin's session or HTTP Basic, or a sentry token.

Runs before each request and websocket. Public endpoints are listed here and nowhere else.
"""

from __future__ import annotations

import base64
import binascii

from quart import Quart, g, redirect, request, url_for, websocket
from quart.typing import ResponseReturnValue
from quart_auth import current_user

from minerfarm.commander.auth.csrf import UNSAFE_METHODS, csrf_ok, set_csrf_cookie
from minerfarm.commander.auth.origin import origin_allowed
from minerfarm.commander.errors import ApiError, retry_after_s
from minerfarm.commander.state import commander_state

# The stylesheet, scripts and icon too: the login page needs them before anyone logs in
# (they are the same for everyone and hold nothing secret).
PUBLIC_ENDPOINTS = frozenset({"pages.login", "pages.static", "pages.favicon"})
# /metrics also takes the metrics bearer token (a Prometheus server has no admin password).
METRICS_ENDPOINT = "metrics.scrape"
SENTRY_BLUEPRINT = "sentry_api"


async def _refuse_if_locked_out(address: str) -> None:
    wait = await commander_state().limiter.retry_after(address)
    if wait > 0:
        seconds = retry_after_s(wait)
        raise ApiError(429, "too_many_attempts", f"too many failed logins; retry in {seconds} s",
                       retry_after=seconds)


def _basic_password(header: str | None) -> str | None:
    if not header or not header.lower().startswith("basic "):
        return None
    try:
        user, _, password = base64.b64decode(header[6:].strip()).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return None
    return password if user == "admin" else None


async def _basic_auth_ok() -> bool | None:
    """True/False for a Basic header with a right/wrong password, None without one."""
    header = request.headers.get("Authorization")
    if not header or not header.lower().startswith("basic "):
        return None
    state, address = commander_state(), request.remote_addr or "?"
    await _refuse_if_locked_out(address)
    password = _basic_password(header)
    if password is not None and await state.password.verify(password):
        await state.limiter.succeeded(address)
        return True
    await state.limiter.failed(address)
    return False


def _bearer(header: str | None) -> str | None:
    if not header or not header.lower().startswith("bearer "):
        return None
    return header[7:].strip()


async def _metrics_token_ok(token: str) -> None:
    """A right token passes; a wrong one counts as a failed login (same limits)."""
    state, address = commander_state(), request.remote_addr or "?"
    await _refuse_if_locked_out(address)
    if state.metrics_token is not None and state.metrics_token.matches(token):
        await state.limiter.succeeded(address)
        return
    await state.limiter.failed(address)
    raise ApiError(401, "unauthorized", "wrong metrics token: make a new one with "
                   "'minerfarm commander metrics-token' and put it in Prometheus' "
                   "authorization credentials")


async def require_admin() -> ResponseReturnValue | None:
    if request.endpoint in PUBLIC_ENDPOINTS or request.blueprint == SENTRY_BLUEPRINT:
        return None
    if request.endpoint == METRICS_ENDPOINT:
        token = _bearer(request.headers.get("Authorization"))
        if token is not None:
            await _metrics_token_ok(token)
            g.auth = "metrics"
            return None
    is_api = request.path.startswith("/api/") or request.path in ("/openapi.json", "/metrics")
    if is_api:
        basic = await _basic_auth_ok()
        if basic is True:
            g.auth = "basic"
            return None
        if basic is False:
            raise ApiError(401, "unauthorized", "wrong admin password",
                           headers={"WWW-Authenticate": 'Basic realm="minerfarm"'})
    if await current_user.is_authenticated:
        g.auth = "session"
        if request.method in UNSAFE_METHODS and not await csrf_ok():
            raise ApiError(403, "csrf_failed",
                           "missing or wrong CSRF token: reload the page and try again")
        return None
    if is_api:
        raise ApiError(401, "unauthorized",
                       "log in, or use HTTP Basic auth with user admin and the admin password")
    return redirect(url_for("pages.login", next=request.full_path.rstrip("?")))


async def require_admin_websocket() -> None:
    """Refused before the handshake completes (a clean 403/401 answer, no traceback): another
    site's page (Cross-Site WebSocket Hijacking rides on the browser's cookie), or nobody."""
    if websocket.blueprint == SENTRY_BLUEPRINT:
        return
    origin = websocket.headers.get("Origin")
    if origin is not None and not origin_allowed(origin, websocket.host,
                                                 commander_state().settings.public_url):
        raise ApiError(403, "origin_refused",
                       f"websocket opened from {origin[:200]}, not from the commander's own pages")
    if not await current_user.is_authenticated:
        raise ApiError(401, "unauthorized", "log in first: live pages need the admin session")


def install(app: Quart) -> None:
    app.before_request(require_admin)
    app.before_websocket(require_admin_websocket)
    app.after_request(set_csrf_cookie)
