"""``/favicon.ico``: browsers ask for it before any page names its icon (the pages link
``static/favicon.svg``). Public, like the stylesheet: the login page shows it too."""

from __future__ import annotations

from pathlib import Path

from quart import Response, send_from_directory

from minerfarm.commander.pages.routes import Routes

routes = Routes()
STATIC = Path(__file__).parent / "static"
ICON = "favicon.svg"


@routes.get("/favicon.ico")
async def favicon() -> Response:
    return await send_from_directory(STATIC, ICON, mimetype="image/svg+xml")
