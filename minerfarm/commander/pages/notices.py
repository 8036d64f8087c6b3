"""Confirmation messages after a form did what it was asked ("Rig renamed."), shown once.

A form that worked redirects to its page with ``?done=<what>`` and ``base.html`` shows the
message of that key. The keys are a fixed set, so a link cannot put words on the page, and
``static/forms.js`` takes the flag out of the address bar, so a reload or a bookmark does not
show it again. (Quart's cookie session is off in this app, so there is no session flash.) A
page rendered in answer to a POST (the token page) passes its message as ``notice`` itself.
"""

from __future__ import annotations

from quart import Blueprint, has_request_context, request

NOTICES = {
    "renamed": "Renamed.",
    "rig-deleted": "Rig deleted: its sentry stops its miners and removes their software the "
                   "next time it reports.",
    "asic-sentry-deleted": "ASIC sentry deleted: it stops reporting. It never controlled the "
                           "ASICs: they keep mining.",
    "saved": "Saved.",
    "deleted": "Deleted.",
    "playbook-saved": "Playbook saved: the rig's sentry applies it the next time it checks.",
    "playbook-deleted": "Playbook deleted: the rig's sentry stops its miner.",
    "applied": "Playbook applied to the selected rigs.",
    "logged-out": "Logged out.",
}
QUERY = "done"


def done_notice() -> str | None:
    """The message the ``?done=`` of this request names (unknown keys: none)."""
    if not has_request_context():  # live frames render macros in a websocket
        return None
    return NOTICES.get(request.args.get(QUERY, ""))


def install(blueprint: Blueprint) -> None:
    @blueprint.app_context_processor
    def _notice() -> dict[str, str | None]:
        return {"done_notice": done_notice()}
