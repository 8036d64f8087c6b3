"""Bulk actions on the rigs chosen on the index (ticked, or "all matching" the filters).

Delete asks first, on a page of its own that names how many rigs and which (it works without
script); the confirmed form carries the ids it named, so what is deleted is what was shown,
whatever reported or appeared meanwhile. "Apply a playbook" is the playbook pages' form, with
the chosen rigs ticked (:func:`minerfarm.commander.playbooks.pages.choose`).
"""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime
from typing import Any

from quart import redirect, render_template, request, url_for

from minerfarm.commander.dashboard.index_query import chosen
from minerfarm.commander.errors import ApiError
from minerfarm.commander.pages import fragments
from minerfarm.commander.pages.routes import Routes
from minerfarm.commander.rigs import service as rigs

routes = Routes()
SHOWN = 20  # names the confirmation lists before "and N more"


async def chosen_from_form(kind: str = "cpu_gpu") -> list[Any]:
    form = await request.form
    return chosen(fragments.aggregator(), kind, form.get("all") == "1",
                  form.getlist("rig_ids"), form, datetime.now(UTC))


@routes.post("/rigs/bulk/delete")
async def bulk_delete() -> Any:
    form = await request.form
    picked = await chosen_from_form()
    if not picked:
        return redirect(url_for("pages.index"))
    if form.get("confirmed") != "1":
        return await render_template("bulk_delete.html", rigs=picked, shown=SHOWN)
    deleted = 0
    for digest in picked:
        with contextlib.suppress(ApiError):  # gone meanwhile: as the user wanted
            await rigs.delete_rig(digest.id)
            deleted += 1
    return redirect(url_for("pages.index", deleted=deleted))
