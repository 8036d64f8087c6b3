"""Security headers on every response: pages, the API, errors, and the sentry fast path.

The CSP allows nothing inline (no ``<script>`` blocks, ``on*=`` handlers or ``style=``
attributes: the templates keep their scripts and styles in ``pages/static``) and nothing from
elsewhere: a rig name that slipped past autoescaping still could not run script. No HSTS: the
commander's certificate is usually self-signed, and HSTS would stop a browser from letting the
admin past a certificate warning once it changes (a new host name, a regenerated certificate).
"""

from __future__ import annotations

from quart import Quart, request
from quart.wrappers import Response

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
       "frame-ancestors 'none'")
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
}
# Pages and API answers may hold secrets (a rig's token is shown once) or farm data: none is
# kept by the browser or a proxy. Static files (the same for everyone) stay cacheable.
NO_STORE = "no-store"
# The same, ready for a raw ASGI response (the sentry fast path).
ASGI_HEADERS = [(name.lower().encode(), value.encode())
                for name, value in {**SECURITY_HEADERS, "Cache-Control": NO_STORE}.items()]


async def add_security_headers(response: Response) -> Response:
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    if request.endpoint is None or not request.endpoint.endswith(("static", "favicon")):
        response.headers["Cache-Control"] = NO_STORE
    return response


def install(app: Quart) -> None:
    app.after_request(add_security_headers)
