"""The browser pages (Jinja, autoescaped), one blueprint: ``pages``.

Route modules, each declaring its routes on its own :class:`~.routes.Routes` table:

- :mod:`.auth` - login and logout.
- :mod:`.rigs` - add, rename and delete a rig; a new token; its tags.
- :mod:`.bulk` - actions on the rigs chosen on the index (delete; a playbook: its own page).
- :mod:`.dashboard` - the CPU/GPU and ASIC indexes, rig and ASIC detail pages, chart series.
- :mod:`.reports` - a rig's (or one ASIC's) stored reports.
- :mod:`.live`, :mod:`.live_index` - the live websockets behind every page.
- :mod:`.favicon` - ``/favicon.ico`` (the icon itself is ``static/favicon.svg``).

:mod:`.notices` turns a form's ``?done=`` into its confirmation message (shown once);
:mod:`.gone` is the page of a deleted rig's URLs (410) or of one that never was (404).

:mod:`.fragments` renders the templates' macros for the live frames (its cache of rendered
rows lives here, not in the dashboard model); :mod:`.formatting` holds the units filters.
The playbook pages are their feature's own blueprint (:mod:`minerfarm.commander.playbooks`).
"""

from __future__ import annotations

from quart import Blueprint

from minerfarm.commander.dashboard.digest import RigDigest
from minerfarm.commander.dashboard.efficiency import efficiency
from minerfarm.commander.pages import (
    auth,
    bulk,
    dashboard,
    favicon,
    formatting,
    live,
    live_index,
    notices,
    reports,
    rigs,
)
from minerfarm.commander.reports.figures import asic_identity

DASH = "—"


def _efficiency(digest: RigDigest) -> str:
    found = efficiency(digest)
    return DASH if found is None else str(found)


def _coins(digest: RigDigest) -> str:
    return ", ".join(sorted({m.coin for m in digest.miners if m.coin})) or DASH

ROUTE_MODULES = (auth, bulk, rigs, dashboard, reports, live, live_index, favicon)


def blueprint() -> Blueprint:
    """A new ``pages`` blueprint with every page module's routes (one per app)."""
    pages = Blueprint("pages", __name__, template_folder="templates", static_folder="static",
                      static_url_path="/static/pages")
    formatting.install(pages)
    notices.install(pages)
    pages.add_app_template_filter(asic_identity, "asic_identity")
    pages.add_app_template_filter(_efficiency, "efficiency")
    pages.add_app_template_filter(_coins, "coins")
    for module in ROUTE_MODULES:
        module.routes.register(pages)
    return pages
