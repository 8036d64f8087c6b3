"""The page a rig's (or an ASIC sentry's) URL answers once the rig is not there: 410 "This rig
was deleted" when a deleted rig had that id (its retired token remembers it; ids are never
reused), else 404 "No such rig". Either way with a link back, never a silent redirect."""

from __future__ import annotations

from quart import render_template, url_for
from sqlalchemy import select

from minerfarm.commander.db.models import RetiredToken
from minerfarm.commander.state import commander_state

LABELS = {"cpu_gpu": ("rig", "pages.index", "Back to the rigs"),
          "asic": ("ASIC sentry", "pages.asic_index", "Back to the ASICs")}


async def was_deleted(rig_id: int) -> bool:
    async with commander_state().db() as session:
        found = await session.scalar(select(RetiredToken.rig_id).where(
            RetiredToken.rig_id == rig_id, RetiredToken.reason == "deleted").limit(1))
    return found is not None


async def rig_gone(rig_id: int, kind: str = "cpu_gpu") -> tuple[str, int]:
    """The 410 or 404 page for ``rig_id`` (``kind`` names it: the row is gone)."""
    what, back, back_text = LABELS[kind]
    if await was_deleted(rig_id):
        status, title = 410, f"This {what} was deleted"
        message = (f"{what.capitalize()} {rig_id} was deleted, with its reports"
                   f"{' and playbooks' if kind == 'cpu_gpu' else ' and its ASICs'}.")
    else:
        status, title = 404, f"No such {what}"
        message = f"There is no {what} {rig_id} on this commander."
    page = await render_template("error.html", status=status, title=title, message=message,
                                 back_url=url_for(back), back_text=back_text)
    return page, status
