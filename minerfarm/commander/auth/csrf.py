"""CSRF protection: a signed double-submit cookie, bound to the admin session.

Each browser gets a random ``mf_csrf`` cookie (HttpOnly, Secure, SameSite=Strict). Its token is
an HMAC, under the app's secret key, of that cookie and of the admin session the browser holds
(none before login: the login form carries a pre-session token). Forms carry it as
``csrf_token`` and scripts send it as ``X-CSRF-Token``. Another site can neither read the
cookie nor forge the HMAC; a token read from one session's page is worthless with any other
session, and after logging out every token of that session fails.
Requests authenticated by HTTP Basic carry no ambient credential and need no token.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from quart import current_app, g, has_websocket_context, request, websocket
from quart.wrappers import Response
from quart_auth import current_user

COOKIE = "mf_csrf"
FORM_FIELD = "csrf_token"
HEADER = "X-CSRF-Token"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def _sign(seed: str) -> str:
    key = str(current_app.secret_key).encode()
    # The session id as quart-auth read it from its signed cookie ("" before login).
    session_id = current_user.auth_id or ""
    message = b"csrf:" + seed.encode() + b"\0" + session_id.encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def csrf_token() -> str:
    """The token for this browser and session (sets the cookie on the response if it had none).
    In a live page's websocket (a fragment with a form, rendered again) it is the token of the
    browser's cookie, which the page it opened from set."""
    if has_websocket_context():
        cookie = websocket.cookies.get(COOKIE)
        return _sign(cookie) if cookie else ""
    seed = request.cookies.get(COOKIE) or g.get("new_csrf_seed")
    if not seed:
        seed = g.new_csrf_seed = secrets.token_urlsafe(32)
    return _sign(seed)


async def csrf_ok() -> bool:
    seed = request.cookies.get(COOKIE)
    if not seed:
        return False
    sent = request.headers.get(HEADER)
    if sent is None and request.mimetype in (
        "application/x-www-form-urlencoded", "multipart/form-data"
    ):
        sent = (await request.form).get(FORM_FIELD)
    if not sent:
        return False
    return hmac.compare_digest(sent.encode(), _sign(seed).encode())


def set_csrf_cookie(response: Response) -> Response:
    seed = g.get("new_csrf_seed")
    if seed and COOKIE not in request.cookies:
        response.set_cookie(COOKIE, seed, httponly=True, secure=True, samesite="Strict",
                            max_age=365 * 86400)
    return response
