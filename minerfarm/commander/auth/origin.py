"""Whose page may open a websocket: the commander's own (same origin), nobody else's.

Browsers send ``Origin`` with every websocket and attach the session cookie whatever the
opening page: without this check any site the admin visits could read the live pages.
Clients without ``Origin`` are not browsers (no ambient cookie is at stake); they still need
the session like everyone else.
"""

from __future__ import annotations

from urllib.parse import urlsplit


def _origin_of(url: str) -> str | None:
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in ("https", "http") or not parts.hostname:
        return None
    default = 443 if parts.scheme == "https" else 80
    host = parts.hostname.lower()
    host = f"[{host}]" if ":" in host else host
    return f"{parts.scheme}://{host}:{port or default}"


def origin_allowed(origin: str, host: str, public_url: str = "") -> bool:
    """``origin`` is ``https://`` + the Host the browser used, or the ``public_url``'s origin."""
    seen = _origin_of(origin)
    if seen is None:
        return False
    allowed = {_origin_of(f"https://{host}")} if host else set()
    if public_url:
        allowed.add(_origin_of(public_url))
    return seen in allowed - {None}
